import Foundation

/// iCalendar (RFC 5545) invites with iTIP methods (RFC 5546), as text: what a
/// confirmation, reschedule or cancellation e-mail attaches so the appointment lands
/// in the customer's calendar and stays right there.
///
/// The rules that keep calendars right: one UID for the booking's whole life, a
/// SEQUENCE that rises with every change (the schedule version), `METHOD:CANCEL`
/// with the same UID and a higher SEQUENCE to remove it. Customer data never breaks
/// the structure: TEXT values are escaped, parameter values quoted or cleaned, and
/// every line is folded at 75 octets without splitting a UTF-8 character.
public enum ICalendar {
    public enum Method: String, Sendable {
        /// Add or update the event.
        case request = "REQUEST"
        /// Remove it.
        case cancel = "CANCEL"
    }

    public struct Person: Sendable, Equatable {
        public var name: String
        public var email: String

        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    public struct Event: Sendable, Equatable {
        public var method: Method
        public var uid: String
        public var sequence: Int
        /// When this version of the invite was made (DTSTAMP).
        public var stamp: Date
        public var start: Date
        public var end: Date
        public var summary: String
        public var description: String?
        public var location: String?
        public var organizer: Person?
        public var attendee: Person
        /// Not yet confirmed (a pending booking): STATUS:TENTATIVE instead of CONFIRMED.
        public var tentative: Bool

        public init(
            method: Method, uid: String, sequence: Int, stamp: Date, start: Date, end: Date, summary: String,
            description: String? = nil, location: String? = nil, organizer: Person? = nil, attendee: Person,
            tentative: Bool = false
        ) {
            self.method = method
            self.uid = uid
            self.sequence = sequence
            self.stamp = stamp
            self.start = start
            self.end = end
            self.summary = summary
            self.description = description
            self.location = location
            self.organizer = organizer
            self.attendee = attendee
            self.tentative = tentative
        }
    }

    /// The whole VCALENDAR: CRLF line ends, folded lines, times in UTC.
    public static func render(_ event: Event) -> String {
        var lines = [
            "BEGIN:VCALENDAR",
            "PRODID:-//Herald//Booking notifications//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:\(event.method.rawValue)",
            "BEGIN:VEVENT",
            "UID:" + escapeText(event.uid),
            "SEQUENCE:\(max(0, event.sequence))",
            "DTSTAMP:" + utc(event.stamp),
            "DTSTART:" + utc(event.start),
            "DTEND:" + utc(event.end),
            "SUMMARY:" + escapeText(event.summary),
        ]
        if let description = event.description, !description.isEmpty { lines.append("DESCRIPTION:" + escapeText(description)) }
        if let location = event.location, !location.isEmpty { lines.append("LOCATION:" + escapeText(location)) }
        if let organizer = event.organizer {
            lines.append("ORGANIZER\(commonName(organizer.name)):mailto:\(address(organizer.email))")
        }
        lines.append(
            "ATTENDEE\(commonName(event.attendee.name));ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:"
                + address(event.attendee.email))
        lines += [
            "STATUS:" + (event.method == .cancel ? "CANCELLED" : event.tentative ? "TENTATIVE" : "CONFIRMED"),
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line
    /// breaks as `\n`, other control characters dropped.
    static func escapeText(_ text: String) -> String {
        // Most values (names, services) need nothing: one pass over the bytes says so.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") }) {
            return text
        }
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\r\n", "\n", "\r": escaped += "\\n"
            default:
                if character.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) || character == "\t" {
                    escaped.append(character)
                }
            }
        }
        return escaped
    }

    /// `;CN=<name>`, or nothing for a name that is empty once cleaned.
    static func commonName(_ name: String) -> String {
        let value = parameter(name)
        return value.isEmpty ? "" : ";CN=" + value
    }

    /// A parameter value (CN): quoted when it holds `:`, `;` or `,`; double quotes and
    /// control characters, which a parameter value cannot carry at all, dropped.
    static func parameter(_ text: String) -> String {
        let kept = String(text.unicodeScalars.filter { $0 != "\"" && $0.properties.generalCategory != .control })
        return kept.contains(where: { $0 == ":" || $0 == ";" || $0 == "," }) ? "\"\(kept)\"" : kept
    }

    /// An address for a mailto: URI: no spaces, controls or characters that end the line's structure.
    static func address(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter {
            $0.value > 0x20 && $0.properties.generalCategory != .control && !"\"<>;,:\\".unicodeScalars.contains($0)
        }))
    }

    /// One content line folded as RFC 5545 §3.1 says: at most 75 octets per line, the
    /// rest on continuation lines that start with a space, never inside a character.
    static func fold(_ line: String) -> String {
        let bytes = Array(line.utf8)
        guard bytes.count > 75 else { return line }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 70 * 3)
        var start = 0, limit = 75
        while bytes.count - start > limit {
            // Back off to the start of a character: never before a continuation byte.
            var end = start + limit
            while end > start, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            result += bytes[start..<end]
            result += [0x0D, 0x0A, 0x20]
            start = end
            limit = 74 // a continuation line's leading space is one of its 75 octets
        }
        result += bytes[start...]
        return String(decoding: result, as: UTF8.self)
    }

    /// `yyyyMMddTHHmmssZ`.
    ///
    /// Plain arithmetic on the seconds since 1970 (the proleptic Gregorian civil date
    /// of a day count): Foundation's calendar took more time than the rest of an invite.
    static func utc(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(repeating: "0", count: max(0, 4 - "\(year)".count)) + "\(year)"
        return yearText + two(month) + two(day) + "T" + two(secondOfDay / 3600) + two(secondOfDay % 3600 / 60) + two(secondOfDay % 60) + "Z"
    }
}

extension ICalendar {
    /// The invite an e-mail of `kind` about `booking` carries: REQUEST with a
    /// confirmation or reschedule notice, CANCEL with a cancellation; nil for other
    /// kinds, or a customer without an e-mail address.
    ///
    /// UID: the booking's id, the same for its whole life. SEQUENCE: its schedule
    /// version less one for a REQUEST (0 for the first), the version itself for a
    /// CANCEL, so the cancellation always outranks the last request. DTSTAMP: when the
    /// booking last changed, so a resend of the same e-mail is the same invite.
    /// ORGANIZER: the tenant's reply-to address, when it has one. LOCATION and
    /// DESCRIPTION: the event type's. None at all when the event type, or else the
    /// tenant, turned calendar invites off.
    public static func invite(
        kind: NotificationKind, booking: Booking, settings: NotificationSettings, eventType: EventType?
    ) -> Event? {
        let method: Method
        switch kind {
        case .confirmation, .reschedule: method = .request
        case .cancellation: method = .cancel
        default: return nil
        }
        guard eventType?.calendarInvites ?? settings.calendarInvites,
              let email = booking.customerEmail, !email.isEmpty
        else { return nil }
        let business = settings.senderName
        let what = eventType?.name ?? "Appointment"
        return Event(
            method: method, uid: "\(booking.id)@herald", sequence: booking.scheduleVersion - (method == .request ? 1 : 0),
            stamp: booking.updatedAt, start: booking.startAt, end: booking.endAt,
            summary: business.isEmpty ? what : "\(what) with \(business)",
            description: eventType?.details, location: eventType?.location,
            organizer: settings.replyToEmail.flatMap { $0.isEmpty ? nil : Person(name: business, email: $0) },
            attendee: Person(name: booking.customerName, email: email), tentative: booking.status == .pending)
    }
}
