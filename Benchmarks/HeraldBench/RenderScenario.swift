import Foundation
import HeraldCore

/// How long the core takes to render one message (template lookup, values in
/// the tenant's zone and locale, Mustache, the derived HTML part), in process:
/// the dispatcher does this for every delivery it hands out.
func runRendering(renders: Int) -> [EngineResult] {
    let renderer = MessageRenderer()
    var settings = NotificationSettings.defaults(tenantID: "salon", timeZone: "Europe/Berlin", now: Date())
    settings.senderName = "Studio Nord"
    settings.locale = "de_DE"
    let start = Date().addingTimeInterval(86_400)
    let own = MessageTemplate(
        tenantID: "salon", kind: .reminder, channel: "sms",
        body: "{{business_name}}: Hallo {{customer_first_name}}, bis {{reminder}} um {{time}} ({{date_short}}).",
        updatedAt: Date())
    let cases: [(String, NotificationKind, String, MessageTemplate?)] = [
        ("render reminder e-mail (default template)", .reminder, "email", nil),
        ("render reminder SMS (tenant template)", .reminder, "sms", own),
        ("render confirmation e-mail with its calendar invite", .confirmation, "email", nil),
    ]
    return cases.map { name, kind, channel, template in
        var bytes = 0
        let began = ContinuousClock.now
        for index in 0..<renders {
            let booking = Booking(
                id: "bk_\(index)", tenantID: "salon", customerName: "Ada Lovelace \(index)",
                customerEmail: "ada@example.com", startAt: start.addingTimeInterval(Double(index * 60)),
                endAt: start.addingTimeInterval(Double(index * 60 + 3600)), status: .confirmed, scheduleVersion: 1,
                createdAt: start, updatedAt: start)
            let message = renderer.render(
                kind: kind, channel: channel, booking: booking, settings: settings, eventType: nil,
                reminderOffsetMinutes: 60, template: template)
            bytes += message.textBody.utf8.count + message.htmlBody.utf8.count + message.calendar.ics.utf8.count
        }
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perRender = seconds / Double(renders) * 1e6
        return EngineResult(
            scenario: name, size: renders, result: "\(fixed(perRender, 1)) µs per message", target: "", met: nil,
            metrics: ["microseconds_per_render": perRender, "renders_per_second": Double(renders) / seconds],
            notes: ["\(name): \(renders) bookings, \(bytes / renders) bytes of text, HTML and invite each, one thread"])
    }
}
