import Foundation

/// An RFC 5322 / MIME message built by Herald itself, so that what reaches the
/// server is exactly what we checked: CRLF line ends, every line within 78
/// characters where it can be broken (always within 998), UTF-8 bodies in
/// quoted-printable, non-ASCII header text as RFC 2047 encoded-words.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var replyTo: MailAddress?
    public var subject: String
    public var textBody: String
    /// When non-empty the message is multipart/alternative (text, then HTML).
    public var htmlBody: String
    /// Without angle brackets: `id-left@id-right`.
    public var messageID: String
    public var date: Date
    /// The one-click unsubscribe URL (RFC 8058): sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    public var listUnsubscribeURL: String?
    /// A calendar invite: sent as a `text/calendar; method=...` alternative (what mail
    /// clients show as an invitation) and as an `invite.ics` attachment.
    public var calendar: CalendarInvite?

    public struct CalendarInvite: Sendable, Equatable {
        /// The iTIP method: REQUEST, CANCEL (upper-case letters only).
        public var method: String
        /// The VCALENDAR text.
        public var ics: String

        public init(method: String, ics: String) {
            self.method = method
            self.ics = ics
        }
    }

    public init(
        from: MailAddress, to: MailAddress, replyTo: MailAddress? = nil, subject: String, textBody: String,
        htmlBody: String = "", messageID: String, date: Date = Date(), listUnsubscribeURL: String? = nil,
        calendar: CalendarInvite? = nil
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageID = messageID
        self.date = date
        self.listUnsubscribeURL = listUnsubscribeURL
        self.calendar = calendar
    }

    /// A Message-ID that is the same on every attempt of a delivery, so a
    /// receiver (or a person) can tell a resend from a second message:
    /// `<delivery_id@domain>`. An id with characters outside dot-atom text is
    /// hex-encoded rather than altered, so distinct ids stay distinct.
    public static func messageID(deliveryID: String, domain: some StringProtocol) -> String {
        let safe = !deliveryID.isEmpty && deliveryID.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-".unicodeScalars.contains($0))
        }
        let left = safe ? deliveryID : "x" + deliveryID.utf8.map { String(format: "%02x", $0) }.joined()
        return "\(left)@\(domain)"
    }

    /// The message's bytes, ready for SMTP DATA (libcurl adds the dot-stuffing).
    /// - Throws: ``MailMessageError`` for a subject with control characters or
    ///   a Message-ID that is not one token; names and addresses were checked
    ///   when their ``MailAddress`` was made.
    public func rendered() throws(MailMessageError) -> [UInt8] {
        try MailText.checkHeaderText(subject, field: "subject")
        guard !messageID.isEmpty, messageID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" })
        else { throw MailMessageError(field: "Message-ID", reason: "must be printable ASCII without spaces or angle brackets") }

        var headers = [
            MIMEEncoding.header("Date", [Self.rfc5322Date(date)]),
            MIMEEncoding.header("From", Self.mailboxTokens(from)),
            MIMEEncoding.header("To", Self.mailboxTokens(to)),
        ]
        if let replyTo { headers.append(MIMEEncoding.header("Reply-To", Self.mailboxTokens(replyTo))) }
        headers += [
            MIMEEncoding.header("Message-ID", ["<\(messageID)>"]),
            MIMEEncoding.header("Subject", MIMEEncoding.headerTokens(subject)),
            "MIME-Version: 1.0",
        ]
        if let listUnsubscribeURL {
            // RFC 8058: an HTTPS URI in List-Unsubscribe, and the POST body the
            // receiver's one-click button sends to it. One token: the URL cannot be folded.
            guard listUnsubscribeURL.utf8.count <= 900,
                  listUnsubscribeURL.hasPrefix("https://") || listUnsubscribeURL.hasPrefix("http://"),
                  listUnsubscribeURL.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" })
            else { throw MailMessageError(field: "List-Unsubscribe", reason: "must be an http(s) URL of printable ASCII, at most 900 characters") }
            headers += [
                MIMEEncoding.header("List-Unsubscribe", ["<\(listUnsubscribeURL)>"]),
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            ]
        }

        if let calendar {
            guard !calendar.method.isEmpty, calendar.method.count <= 20, calendar.method.allSatisfy({ $0.isASCII && $0.isUppercase }),
                  calendar.ics.hasPrefix("BEGIN:VCALENDAR")
            else { throw MailMessageError(field: "calendar", reason: "needs an iTIP method (REQUEST, CANCEL) and a VCALENDAR") }
            return Array(Self.withInvite(headers: headers, text: textBody, html: htmlBody, calendar: calendar).utf8)
        }
        var text: String
        if htmlBody.isEmpty {
            headers += Self.partHeaders(subtype: "plain")
            text = headers.joined(separator: "\r\n") + "\r\n\r\n" + MIMEEncoding.quotedPrintable(textBody) + "\r\n"
        } else {
            // "=_" cannot occur in quoted-printable output ('=' is always followed
            // by hex digits or a line end there), so the boundary never collides with a body.
            let boundary = "=_herald_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            headers.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")
            text = headers.joined(separator: "\r\n") + "\r\n\r\n"
            for (subtype, body) in [("plain", textBody), ("html", htmlBody)] {
                text += "--\(boundary)\r\n" + Self.partHeaders(subtype: subtype).joined(separator: "\r\n") + "\r\n\r\n"
                text += MIMEEncoding.quotedPrintable(body) + "\r\n"
            }
            text += "--\(boundary)--\r\n"
        }
        return Array(text.utf8)
    }

    /// multipart/mixed: the alternatives (text, HTML when there is one, the calendar),
    /// then the same calendar as an `invite.ics` attachment, both base64 (its CRLF lines
    /// kept exactly).
    private static func withInvite(headers: [String], text: String, html: String, calendar: CalendarInvite) -> String {
        // "=_" cannot occur in quoted-printable or base64 output: no boundary collides with a body.
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let mixed = "=_herald_m_" + id, alternative = "=_herald_a_" + id
        let ics = MIMEEncoding.base64Lines(Array(calendar.ics.utf8))
        var out = (headers + ["Content-Type: multipart/mixed;\r\n boundary=\"\(mixed)\""]).joined(separator: "\r\n") + "\r\n\r\n"
        out += "--\(mixed)\r\nContent-Type: multipart/alternative;\r\n boundary=\"\(alternative)\"\r\n\r\n"
        for (subtype, body) in [("plain", text), ("html", html)] where !body.isEmpty || subtype == "plain" {
            out += "--\(alternative)\r\n" + partHeaders(subtype: subtype).joined(separator: "\r\n") + "\r\n\r\n"
            out += MIMEEncoding.quotedPrintable(body) + "\r\n"
        }
        out += "--\(alternative)\r\nContent-Type: text/calendar; charset=utf-8; method=\(calendar.method)\r\n"
        out += "Content-Transfer-Encoding: base64\r\n\r\n" + ics + "\r\n"
        out += "--\(alternative)--\r\n"
        out += "--\(mixed)\r\nContent-Type: application/ics; name=\"invite.ics\"\r\n"
        out += "Content-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        out += ics + "\r\n--\(mixed)--\r\n"
        return out
    }

    private static func partHeaders(subtype: String) -> [String] {
        ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
    }

    private static func mailboxTokens(_ mailbox: MailAddress) -> [String] {
        mailbox.name.isEmpty ? [mailbox.address] : MIMEEncoding.phraseTokens(mailbox.name) + ["<\(mailbox.address)>"]
    }

    /// "Sat, 21 Nov 2026 16:34:14 +0000": RFC 5322 §3.3, always in UTC, with
    /// English names whatever the process's locale.
    public static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { String(value).leftPadded(to: 2) }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(Int(parts.tm_year) + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
