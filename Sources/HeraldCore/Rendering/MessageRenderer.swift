import Foundation
import HeraldProto
import Mustache
import Synchronization

/// Renders what a customer or host reads, from the tenant's template (or
/// Herald's default) with swift-mustache, in the tenant's time zone and locale.
/// Channels only transport what this produces.
///
/// Templates are compiled once and kept, keyed by tenant, kind, channel and the
/// template's update time, so a changed template is picked up at once and an
/// unchanged one is not parsed again for every delivery.
public final class MessageRenderer: Sendable {
    private let compiled = Mutex<[CacheKey: CompiledTemplate]>([:])

    public init() {}

    /// Renders one notification.
    ///
    /// - Parameter template: the tenant's own template for this kind and
    ///   channel, if it has one.
    /// - Parameter unsubscribeURL: a follow-up e-mail's one-click unsubscribe link
    ///   (``LinkMaker``): `{{unsubscribe_url}}`, and the List-Unsubscribe header.
    /// - Parameter links: the message's confirm and cancel links (`{{confirm_url}}`,
    ///   `{{cancel_url}}`).
    public func render(
        kind: NotificationKind, channel: String, booking: Booking, settings: NotificationSettings,
        eventType: EventType?, reminderOffsetMinutes: Int, template: MessageTemplate?, unsubscribeURL: String? = nil,
        links: BookingLinks = BookingLinks()
    ) -> Herald_V1_RenderedMessage {
        let compiled = compiledTemplate(kind: kind, channel: channel, template: template)
        let values = TemplateVariables.values(
            booking: booking, settings: settings, eventType: eventType, reminderOffsetMinutes: reminderOffsetMinutes,
            unsubscribeURL: unsubscribeURL, links: links)
        return .with {
            if let unsubscribeURL { $0.listUnsubscribeURL = unsubscribeURL }
            $0.senderName = settings.senderName
            $0.replyTo = settings.replyToEmail ?? ""
            if let subject = compiled.subject {
                // A header is one line: whatever a value brought in is folded to spaces.
                $0.subject = subject.render(values).split(whereSeparator: \.isNewline).joined(separator: " ")
            }
            $0.textBody = compiled.body.render(values)
            if channel == "email" {
                $0.htmlBody = compiled.html.map { $0.render(values) } ?? Self.html(fromText: $0.textBody)
                if let invite = ICalendar.invite(kind: kind, booking: booking, settings: settings, eventType: eventType) {
                    $0.calendar = .with { calendar in
                        calendar.method = invite.method.rawValue
                        calendar.ics = ICalendar.render(invite)
                    }
                }
            }
            if channel == "whatsapp" {
                // Business-initiated WhatsApp messages must use a template approved
                // in the WhatsApp Manager; these are the names and parameters to register.
                $0.templateName = "herald_" + kind.rawValue
                $0.templateLanguage = settings.locale
                $0.templateParameters = ["customer_first_name", "business_name", "date", "time"].map { values[$0] ?? "" }
            }
        }
    }

    // MARK: Validation

    /// A problem with a template, named by the field it is in.
    public struct Problem: Error, Equatable, Sendable {
        public var field: String
        public var message: String
    }

    /// Checks a template before it is stored: it must parse, use only known
    /// variables and no partials. Returns every problem found.
    public static func problems(in template: MessageTemplate) -> [Problem] {
        var problems: [Problem] = []
        let parts: [(String, String?)] = [("subject", template.subject), ("body", template.body), ("html_body", template.htmlBody)]
        for (field, source) in parts {
            guard let source else { continue }
            do {
                _ = try MustacheTemplate(string: source)
            } catch let error as MustacheTemplate.ParserError {
                problems.append(Problem(
                    field: field,
                    message: "does not parse as Mustache (\(error.error)) at line \(error.context.lineNumber), column \(error.context.columnNumber)"))
                continue
            } catch {
                problems.append(Problem(field: field, message: "does not parse as Mustache (\(error))"))
                continue
            }
            problems += tagProblems(in: source).map { Problem(field: field, message: $0) }
        }
        return problems
    }

    /// Unknown variables and unsupported tags, found by reading the tags. Once
    /// a template changes its delimiters the tags can no longer be found this
    /// simply, so the check stops there (the template still had to parse).
    static func tagProblems(in source: String) -> [String] {
        var problems: [String] = []
        var rest = source[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
            var tag = rest[open.upperBound..<close.lowerBound]
            rest = rest[close.upperBound...]
            if tag.hasPrefix("{") { tag = tag.dropFirst() }
            if rest.hasPrefix("}") { rest = rest.dropFirst() }
            tag = tag.drop(while: \.isWhitespace)
            guard let sigil = tag.first else { continue }
            switch sigil {
            case "!", "%": continue
            case "=": return problems
            case ">", "<", "$":
                problems.append("uses {{\(sigil)...}}: partials and blocks are not supported in message templates")
                continue
            case "#", "^", "/", "&": tag = tag.dropFirst()
            default: break
            }
            var name = tag.trimmingCharacters(in: .whitespaces)
            // swift-mustache transforms: {{ uppercased(name) }}.
            if let parenthesis = name.firstIndex(of: "("), name.hasSuffix(")") {
                name = String(name[name.index(after: parenthesis)..<name.index(before: name.endIndex)])
            }
            let root = name.split(separator: ".").first.map(String.init) ?? name
            if name != ".", !TemplateVariables.names.contains(root) {
                problems.append("uses the unknown variable {{\(name)}}; known: \(TemplateVariables.names.sorted().joined(separator: ", "))")
            }
        }
        return problems
    }

    // MARK: Compiling

    private struct CacheKey: Hashable {
        var tenantID: String
        var kind: NotificationKind
        var channel: String
        var updatedAt: Date?
    }

    private struct CompiledTemplate: @unchecked Sendable {
        // MustacheTemplate is Sendable; the struct is only marked so for the Mutex.
        var subject: MustacheTemplate?
        var body: MustacheTemplate
        var html: MustacheTemplate?
    }

    private func compiledTemplate(kind: NotificationKind, channel: String, template: MessageTemplate?) -> CompiledTemplate {
        let key = CacheKey(tenantID: template?.tenantID ?? "", kind: kind, channel: channel, updatedAt: template?.updatedAt)
        if let hit = compiled.withLock({ $0[key] }) { return hit }
        let fallback = DefaultTemplates.text(kind: kind, channel: channel)
        // Templates were checked when set, and the defaults by the tests; should a
        // stored one still fail, the default wording goes out rather than nothing.
        let defaultBody = Self.compile(fallback.body, html: false) ?? MustacheTemplate.empty
        let result = CompiledTemplate(
            subject: MessageTemplate.hasSubject(channel)
                ? (template?.subject).flatMap { Self.compile($0, html: false) } ?? fallback.subject.flatMap { Self.compile($0, html: false) }
                : nil,
            body: template.flatMap { Self.compile($0.body, html: false) } ?? defaultBody,
            html: channel == "email" ? (template?.htmlBody).flatMap { Self.compile($0, html: true) } : nil)
        compiled.withLock { cache in
            // Old versions of a changed template are not worth keeping forever.
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = result
        }
        return result
    }

    /// Text templates must not HTML-escape what they insert: an SMS saying
    /// "Smith &amp; Sons" would be wrong. Mustache's TEXT content type does that.
    private static func compile(_ source: String, html: Bool) -> MustacheTemplate? {
        try? MustacheTemplate(string: (html ? "" : "{{% CONTENT_TYPE: TEXT }}") + source)
    }

    /// The HTML part when a template gives none: the text, escaped, with blank
    /// lines as paragraphs and single line breaks kept.
    ///
    /// One pass over the UTF-8 bytes, since this runs for every e-mail handed
    /// out: the characters that need escaping are all ASCII, so no byte of a
    /// multi-byte character is ever mistaken for one of them.
    static func html(fromText text: String) -> String {
        var html = Array("""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"></head>
            <body style="font-family: sans-serif; line-height: 1.5;">

            """.utf8)
        html.reserveCapacity(html.count + text.utf8.count * 2 + 32)
        var paragraphOpen = false
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                if paragraphOpen { html += "</p>\n".utf8 }
                paragraphOpen = false
                continue
            }
            html += (paragraphOpen ? "<br>\n" : "<p>").utf8
            paragraphOpen = true
            escape(line, into: &html)
        }
        if paragraphOpen { html += "</p>\n".utf8 }
        html += "</body></html>".utf8
        return String(decoding: html, as: UTF8.self)
    }

    static func escape(_ text: String) -> String {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.utf8.count)
        escape(text.utf8[...], into: &escaped)
        return String(decoding: escaped, as: UTF8.self)
    }

    static func escape(_ bytes: Substring.UTF8View.SubSequence, into escaped: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "&"): escaped += "&amp;".utf8
            case UInt8(ascii: "<"): escaped += "&lt;".utf8
            case UInt8(ascii: ">"): escaped += "&gt;".utf8
            case UInt8(ascii: "\""): escaped += "&quot;".utf8
            case UInt8(ascii: "'"): escaped += "&#39;".utf8
            default: escaped.append(byte)
            }
        }
    }
}

extension MustacheTemplate {
    /// Stands in should a default ever fail to compile (the tests make sure none does).
    static let empty = try! MustacheTemplate(string: "")
}
