import Foundation
import HeraldProto
import HeraldViews
import Hummingbird

/// What a template gets: the frame every page shares, and the page's own data
/// (which alone is the page's JSON).
struct ConsoleView<Page: Sendable>: Sendable {
    var layout: ConsoleLayout
    var page: Page
}

/// The frame of every signed-in page: title, navigation, who is signed in, the
/// admin's tenant picker, the sign-out form and a message after an action.
struct ConsoleLayout: Sendable {
    struct Link: Encodable, Sendable {
        var href: String
        var label: String
        var current: Bool
    }

    struct Choice: Encodable, Sendable {
        var id: String
        var label: String
        var selected: Bool
    }

    var title: String
    var csrf: String
    var who: String
    var nav: [Link]
    var tenantChoices: [Choice]
    var hasTenantChoices: Bool
    /// Where the tenant picker sends its choice: this section's first page.
    var path: String
    var flash: String
    var hasFlash: Bool
    var jsonHref: String

    /// The messages `?done=` may ask for: a fixed list, so a link cannot put words on the page.
    static let flashes = [
        "cancelled": "The booking is cancelled. The customer is sent the cancellation notice.",
        "rescheduled": "The booking is moved. The customer is sent the new time, and the reminders follow it.",
        "completed": "The booking is marked completed.",
        "no_show": "The booking is marked as a no-show.",
        "confirmed": "The booking is confirmed.",
        "settings": "The settings are saved.",
        "template": "The template is saved. New messages use it.",
        "template_reset": "The template is back to Herald's default.",
    ]

    /// `allTenants`: an admin key's page that may show every tenant at once (the
    /// log): the picker offers "All tenants" before these.
    init(_ request: Request, _ context: GatewayContext, title: String, section: String, tenant: ConsoleTenant?, allTenants: [String]? = nil) {
        self.title = title
        csrf = context.session?.csrf ?? ""
        let caller = context.caller
        who = caller.map { $0.role == .admin ? "admin key \($0.keyID)" : "tenant \($0.tenantID)" } ?? ""
        let query = tenant.map(\.query).flatMap { $0.isEmpty ? nil : "?" + $0 } ?? ""
        var sections = [
            ("bookings", "Bookings"), ("log", "Reminder log"), ("attention", "Needs attention"),
            ("settings", "Settings"), ("templates", "Templates"),
        ]
        if caller?.role == .admin { sections.append(("channels", "Channels")) }
        let current = Self.sectionOf(section)
        nav = sections.map { Link(href: "/console/\($0.0)\(query)", label: $0.1, current: $0.0 == current) }
        var choices = (tenant?.choices ?? []).map { Choice(id: $0, label: $0, selected: $0 == tenant?.id) }
        if let allTenants {
            choices = [Choice(id: "", label: "All tenants", selected: tenant == nil)]
                + allTenants.map { Choice(id: $0, label: $0, selected: $0 == tenant?.id) }
        }
        tenantChoices = choices
        hasTenantChoices = !choices.isEmpty
        // The picker lands on the section's first page: a booking or a template of
        // one tenant means nothing for another.
        path = "/console/\(current)"
        flash = request.consoleQuery["done"].flatMap { Self.flashes[String($0)] } ?? ""
        hasFlash = !flash.isEmpty
        var json = request.uri.query.map { "\(request.uri.path)?\($0)&format=json" } ?? "\(request.uri.path)?format=json"
        if json.contains("?&") { json = json.replacingOccurrences(of: "?&", with: "?") }
        jsonHref = json
    }

    /// The navigation entry a page belongs to (a booking's page is under Bookings).
    static func sectionOf(_ template: String) -> String {
        switch template {
        case "booking", "confirm": "bookings"
        case "template": "templates"
        default: template
        }
    }
}

struct SignInView: Sendable {
    var csrf: String
    var error: String
    var hasError: Bool
    var ended: Bool
}

struct ErrorView: Sendable {
    var status: Int
    var title: String
    var detail: String
    var fields: [String]
    var hasFields: Bool
    var signedIn: Bool
}

/// A ReminderLog row as the log and a booking's page show it.
struct LogRowView: Encodable, Sendable {
    var entry: LogEntryView
    var when: String
    var booking_href: String
    var what: String
    var delivery: String
    var has_delivery: Bool
    var has_error: Bool
    /// On the log of every tenant: which tenant the row is of.
    var show_tenant: Bool

    /// As JSON, the API's log entry.
    func encode(to encoder: any Encoder) throws { try entry.encode(to: encoder) }

    init(_ entry: Herald_V1_ReminderLogEntry, time: ConsoleTime, query: String, showTenant: Bool = false) {
        self.entry = LogEntryView(entry)
        when = time.show(entry.loggedAt)
        booking_href = Console.bookingHref(entry.bookingID, query: query)
        what = Self.describe(kind: entry.kind, offset: entry.reminderOffsetMinutes)
        delivery = entry.deliveryStatus
        has_delivery = !entry.deliveryStatus.isEmpty
        has_error = !entry.error.isEmpty
        show_tenant = showTenant
    }

    /// "reminder, 1 day before", "confirmation", "host notification".
    static func describe(kind: String, offset: UInt32) -> String {
        let name = kind.replacingOccurrences(of: "_", with: " ")
        guard kind == "reminder", offset > 0 else { return name }
        return "\(name), \(Self.duration(minutes: Int(offset))) before"
    }

    static func duration(minutes: Int) -> String {
        if minutes % 1440 == 0 { return minutes == 1440 ? "1 day" : "\(minutes / 1440) days" }
        if minutes % 60 == 0 { return minutes == 60 ? "1 hour" : "\(minutes / 60) hours" }
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }
}
