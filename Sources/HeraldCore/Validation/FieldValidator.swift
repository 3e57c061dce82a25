import Foundation

/// Collects every problem with a request before anything is written, so one
/// answer names all the fields at fault rather than the first only.
///
/// Each check returns the cleaned value when the field is valid and nil (after
/// recording why) when it is not; `finish()` throws INVALID_ARGUMENT if any
/// check failed.
public struct FieldValidator: Sendable {
    public private(set) var violations: [AdminError.FieldViolation] = []

    public init() {}

    public var isValid: Bool { violations.isEmpty }

    public mutating func fail(_ field: String, _ description: String) {
        violations.append(.init(field: field, description: description))
    }

    public func finish() throws(AdminError) {
        if !violations.isEmpty { throw .invalidArgument(violations) }
    }

    // MARK: Identifiers and text

    /// An id chosen by a client: 1-64 of letters, digits, `_`, `-`, `.`, starting with a letter or digit.
    public mutating func identifier(_ field: String, _ value: String) -> String? {
        guard !value.isEmpty else {
            fail(field, "is required")
            return nil
        }
        guard value.utf8.count <= 64, Self.isIdentifier(value) else {
            fail(field, "\(quoted(value)) is not a valid id (1-64 letters, digits, '_', '-', '.', starting with a letter or digit)")
            return nil
        }
        return value
    }

    static func isIdentifier(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return value.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// A control character (CR, LF, NEL, NUL, ...) or a Unicode line or paragraph
    /// separator: anything a mail header, a log line or a terminal could take for
    /// the end of a line.
    public static func breaksALine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// Free text shown to people (names): trimmed, no control characters or line
    /// separators, bounded.
    public mutating func text(_ field: String, _ value: String, required: Bool, maxLength: Int = 200) -> String? {
        let trimmed = value.trimmingEnds(.whitespaces)
        if trimmed.isEmpty {
            if required { fail(field, "is required") }
            return required ? nil : ""
        }
        if trimmed.unicodeScalars.contains(where: Self.breaksALine) {
            fail(field, "must not contain control characters such as line breaks")
            return nil
        }
        if trimmed.count > maxLength {
            fail(field, "is longer than \(maxLength) characters")
            return nil
        }
        return trimmed
    }

    /// Free text of several lines (an event type's description): like ``text(_:_:required:maxLength:)``
    /// but line breaks are kept, as LF (CR LF and lone CR become LF).
    public mutating func paragraphs(_ field: String, _ value: String, maxLength: Int = 1000) -> String? {
        let lines = value.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let trimmed = lines.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.unicodeScalars.contains(where: { $0 != "\n" && Self.breaksALine($0) }) {
            fail(field, "must not contain control characters other than line breaks")
            return nil
        }
        if trimmed.count > maxLength {
            fail(field, "is longer than \(maxLength) characters")
            return nil
        }
        return trimmed
    }

    // MARK: Contacts

    /// An email address (addr-spec, pragmatic): one `@`, a local part of
    /// printable ASCII without specials, a domain of dot-separated labels.
    public mutating func email(_ field: String, _ value: String) -> String? {
        let trimmed = value.trimmingEnds(.whitespaces)
        guard Self.isEmailAddress(trimmed) else {
            fail(field, "\(quoted(value)) is not an email address")
            return nil
        }
        return trimmed
    }

    /// What the local part of an address may hold: ASCII only, so checking bytes is
    /// checking characters (and no set is built per call).
    private static let localPartBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-".utf8)

    static func isEmailAddress(_ value: String) -> Bool {
        guard value.utf8.count <= 254 else { return false }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        guard local.utf8.allSatisfy({ Self.localPartBytes.contains($0) }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" })
            else { return false }
        }
        return true
    }

    /// An E.164 phone number: `+`, a non-zero country digit, 7 to 15 digits in all.
    public mutating func phone(_ field: String, _ value: String) -> String? {
        let trimmed = value.trimmingEnds(.whitespaces)
        guard Self.isE164(trimmed) else {
            fail(field, "\(quoted(value)) is not an E.164 phone number (like +4915112345678)")
            return nil
        }
        return trimmed
    }

    static func isE164(_ value: String) -> Bool {
        let digits = value.utf8.dropFirst()
        return value.utf8.first == UInt8(ascii: "+")
            && (7...15).contains(digits.count)
            && digits.first != UInt8(ascii: "0")
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// An absolute http(s) URL with a host and no whitespace.
    public mutating func httpURL(_ field: String, _ value: String) -> String? {
        let trimmed = value.trimmingEnds(.whitespaces)
        guard trimmed.utf8.count <= 2048,
            !trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
            let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            fail(field, "\(quoted(value)) is not an http:// or https:// URL")
            return nil
        }
        return trimmed
    }

    // MARK: Booking events

    /// Booking event type names (`booking.created`, ...), each known; returned
    /// sorted and without repeats.
    public mutating func bookingEventTypes(_ field: String, _ values: [String]) -> [String]? {
        eventTypes(field, values, known: Set(BookingEventType.allCases.map(\.rawValue)))
    }

    /// What a webhook subscription may ask for: booking events and delivery status changes.
    public mutating func webhookEventTypes(_ field: String, _ values: [String]) -> [String]? {
        eventTypes(field, values, known: Set(BookingEventType.allCases.map(\.rawValue) + DeliveryStatus.eventTypes))
    }

    private mutating func eventTypes(_ field: String, _ values: [String], known: Set<String>) -> [String]? {
        let unknown = values.filter { !known.contains($0) }
        for type in unknown {
            fail(field, "\(quoted(type)) is not an event type (one of \(known.sorted().joined(separator: ", ")))")
        }
        return unknown.isEmpty ? Array(Set(values)).sorted() : nil
    }

    // MARK: Time

    /// An ISO 8601 date and time with an offset.
    public mutating func timestamp(_ field: String, _ value: String) -> Date? {
        guard !value.isEmpty else {
            fail(field, "is required (ISO 8601, e.g. 2025-08-17T15:30:00Z)")
            return nil
        }
        guard let date = Timestamp.parse(value) else {
            fail(field, "\(quoted(value)) is not an ISO 8601 date and time with an offset (e.g. 2025-08-17T15:30:00Z)")
            return nil
        }
        return date
    }

    /// An IANA time zone name that this system knows.
    public mutating func timeZone(_ field: String, _ value: String) -> String? {
        guard Self.isKnownTimeZone(value) else {
            fail(field, "\(quoted(value)) is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
            return nil
        }
        return value
    }

    static func isKnownTimeZone(_ value: String) -> Bool {
        // ICU's list leaves out the Etc/ zones, yet Etc/UTC is what many servers and
        // containers are set to; abbreviations such as EST stay refused.
        value == "UTC" || TimeZone.knownTimeZoneIdentifiers.contains(value)
            || (value.hasPrefix("Etc/") && TimeZone(identifier: value) != nil)
    }

    /// Reminder offsets in minutes before the start: at least one, each from
    /// 1 minute to 30 days, no duplicates; returned largest first.
    public mutating func reminderOffsets(_ field: String, _ values: [UInt32]) -> [Int]? {
        guard !values.isEmpty else {
            fail(field, "must list at least one offset in minutes (e.g. 1440,60)")
            return nil
        }
        let maximum = 30 * 24 * 60
        if let bad = values.first(where: { $0 == 0 || $0 > maximum }) {
            fail(field, "\(bad) is not between 1 and \(maximum) minutes")
            return nil
        }
        guard Set(values).count == values.count else {
            fail(field, "lists the same offset twice")
            return nil
        }
        guard values.count <= 10 else {
            fail(field, "lists more than 10 offsets")
            return nil
        }
        return values.map(Int.init).sorted(by: >)
    }

    private func quoted(_ value: String) -> String {
        let shown = value.count > 80 ? String(value.prefix(80)) + "…" : value
        return "\"" + shown.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
