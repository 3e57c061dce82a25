import Foundation
import HeraldChannelKit
import Testing

/// The MIME builder, checked by parsing its output back with the decoders
/// below (written from the RFCs, independent of the encoder).
@Suite("MailMessage builds RFC 5322 / MIME messages")
struct MailMessageTests {
    static let from = try! MailAddress("reminders@herald.example", name: "Salon Lumière", field: "sender")
    static let to = try! MailAddress("zoe@example.com", name: "Zoë Ångström", field: "recipient")

    static func message(subject: String = "Your booking is confirmed", text: String = "Hello", html: String = "") -> MailMessage {
        MailMessage(
            from: from, to: to, replyTo: try! MailAddress("desk@salon.example", field: "reply-to"), subject: subject,
            textBody: text, htmlBody: html, messageID: "job_01ABC@herald.example",
            date: Date(timeIntervalSince1970: 1_786_982_400))
    }

    @Test func aTextMessageHasEveryHeaderCRLFAndShortLines() throws {
        let raw = try Self.message(text: "Hi Zoë,\nsee you at 15:30.\n").rendered()
        let parsed = try ParsedMessage(raw)
        #expect(parsed.header("Date") == "Mon, 17 Aug 2026 16:00:00 +0000")
        #expect(parsed.header("From")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(decodeWords(parsed.header("From")!) == "Salon Lumière <reminders@herald.example>")
        #expect(decodeWords(parsed.header("To")!) == "Zoë Ångström <zoe@example.com>")
        #expect(parsed.header("Reply-To") == "desk@salon.example")
        #expect(parsed.header("Message-ID") == "<job_01ABC@herald.example>")
        #expect(parsed.header("Subject") == "Your booking is confirmed")
        #expect(parsed.header("MIME-Version") == "1.0")
        #expect(parsed.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(parsed.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(String(decoding: decodeQuotedPrintable(parsed.body), as: UTF8.self) == "Hi Zoë,\r\nsee you at 15:30.\r\n\r\n")
    }

    /// RFC 8058: the URL in angle brackets, and the POST body the one-click button
    /// sends; without a URL neither header is there.
    @Test func aFollowUpCarriesOneClickUnsubscribeHeaders() throws {
        let url = "https://book.example.com/links/lk_01ABC." + String(repeating: "eyJhIjoidW5zdWJzY3JpYmUifQ", count: 4) + ".c2ln"
        var message = Self.message()
        message.listUnsubscribeURL = url
        let parsed = try ParsedMessage(try message.rendered())
        #expect(parsed.header("List-Unsubscribe") == "<\(url)>")
        #expect(parsed.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        let plain = try ParsedMessage(try Self.message().rendered())
        #expect(plain.header("List-Unsubscribe") == nil && plain.header("List-Unsubscribe-Post") == nil)

        for bad in ["mailto:x@example.com", "https://book.example.com/links/a b", "https://x/>" , "https://x/" + String(repeating: "a", count: 900)] {
            message.listUnsubscribeURL = bad
            #expect(throws: MailMessageError.self, "\(bad)") { try message.rendered() }
        }
    }

    /// An invite: multipart/mixed with the alternatives (text, HTML, the calendar with
    /// its method) and the same calendar as invite.ics; both decode to the exact bytes.
    @Test func anInviteIsACalendarAlternativeAndAnAttachment() throws {
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Zoë\\, cut\r\nEND:VCALENDAR\r\n"
        var message = Self.message(text: "Hi", html: "<p>Hi</p>")
        message.calendar = .init(method: "REQUEST", ics: ics)
        let raw = String(decoding: try message.rendered(), as: UTF8.self)
        let parsed = try ParsedMessage(Array(raw.utf8))
        let mixed = try #require(parsed.header("Content-Type"))
        #expect(mixed.hasPrefix("multipart/mixed;"), "\(mixed)")
        #expect(raw.contains("Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n"))
        #expect(raw.contains("Content-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\""))
        #expect(raw.contains("Content-Type: text/plain; charset=utf-8") && raw.contains("Content-Type: text/html; charset=utf-8"))
        let encoded = Data(ics.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        #expect(raw.components(separatedBy: encoded).count == 3, "the calendar twice, base64")

        message.calendar = .init(method: "request; x=1", ics: ics)
        #expect(throws: MailMessageError.self) { try message.rendered() }
        message.calendar = .init(method: "CANCEL", ics: "not a calendar")
        #expect(throws: MailMessageError.self) { try message.rendered() }
    }

    @Test func htmlMakesAMultipartAlternativeWithTextFirst() throws {
        let html = "<p>Hi <b>Zoë</b>, a long line " + String(repeating: "with words and = signs ", count: 10) + "</p>"
        let raw = try Self.message(text: "Hi Zoë", html: html).rendered()
        let parsed = try ParsedMessage(raw)
        let contentType = try #require(parsed.header("Content-Type"))
        #expect(contentType.hasPrefix("multipart/alternative;"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        let sections = parsed.body.components(separatedBy: "--\(boundary)")
        // preamble, text part, html part, closing "--\r\n"
        #expect(sections.count == 4, "\(sections)")
        #expect(sections.last == "--\r\n")
        let parts = try sections[1...2].map { try ParsedMessage(Array($0.utf8.dropFirst(2))) }
        #expect(parts[0].header("Content-Type") == "text/plain; charset=utf-8")
        #expect(parts[1].header("Content-Type") == "text/html; charset=utf-8")
        #expect(parts.allSatisfy { $0.header("Content-Transfer-Encoding") == "quoted-printable" })
        #expect(String(decoding: decodeQuotedPrintable(parts[0].body), as: UTF8.self) == "Hi Zoë\r\n")
        #expect(String(decoding: decodeQuotedPrintable(parts[1].body), as: UTF8.self) == html + "\r\n")
    }

    @Test(arguments: [
        "Short",
        "An ASCII subject long enough that it has to be folded at one of its many spaces to stay within the limit",
        "Réservation confirmée chez Salon Lumière pour Zoë Ångström — à bientôt ✂️🎉 " + String(repeating: "ü", count: 90),
        "Looks like an =?encoded?= word",
        "Two  spaces and a trailing one ",
        String(repeating: "x", count: 120),
        "👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦",
    ])
    func subjectsRoundTripWithinTheLineLimit(subject: String) throws {
        let raw = try Self.message(subject: subject).rendered()
        let parsed = try ParsedMessage(raw)
        let header = try #require(parsed.header("Subject"))
        #expect(decodeWords(header) == subject, "\(header)")
        if subject.unicodeScalars.contains(where: { !$0.isASCII }) {
            #expect(header.hasPrefix("=?UTF-8?B?"))
        }
    }

    @Test(arguments: ["Anna \"The Barber\" \\ Co", "Łukasz", String(repeating: "Very Long Business Name ", count: 8)])
    func displayNamesRoundTrip(name: String) throws {
        let from = try MailAddress("reminders@herald.example", name: name, field: "sender")
        var message = Self.message()
        message.from = from
        let parsed = try ParsedMessage(try message.rendered())
        let header = try #require(parsed.header("From"))
        #expect(header.hasSuffix(" <reminders@herald.example>"))
        let phrase = String(header.dropLast(" <reminders@herald.example>".count))
        #expect(decodePhrase(phrase) == name, "\(header)")
    }

    @Test(arguments: [
        "plain",
        String(repeating: "A long line of text. ", count: 20),
        "trailing space \nand tab\t\n.leading dot\nFrom the start\n=equals=\r\nCRLF\rCR only",
        String(repeating: "é", count: 100),
        "",
    ])
    func quotedPrintableRoundTrips(text: String) {
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "\(line)")
            #expect(line != "." && !line.hasPrefix("From "), "\(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F || $0 == "\t" })
        }
        #expect(!encoded.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(String(decoding: decodeQuotedPrintable(encoded), as: UTF8.self) == expected)
    }

    @Test func base64LinesDecode() {
        let bytes = (0..<1000).map { UInt8($0 % 256) }
        let encoded = MIMEEncoding.base64Lines(bytes)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(Data(base64Encoded: encoded.replacingOccurrences(of: "\r\n", with: "")).map([UInt8].init) == bytes)
    }

    @Test func messageIDsAreStableAndSafe() {
        #expect(MailMessage.messageID(deliveryID: "job_01JD3V", domain: "herald.example") == "job_01JD3V@herald.example")
        #expect(MailMessage.messageID(deliveryID: "job_01JD3V", domain: "herald.example")
            == MailMessage.messageID(deliveryID: "job_01JD3V", domain: "herald.example"))
        let odd = MailMessage.messageID(deliveryID: "a>b\r\nBcc: x", domain: "herald.example")
        #expect(odd == "x613e620d0a4263633a2078@herald.example")
    }

    @Test func datesAreRFC5322InUTC() {
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 1_795_797_254)) == "Fri, 27 Nov 2026 16:34:14 +0000")
    }

    // MARK: Header injection

    @Test(arguments: ["Eve\r\nBcc: evil@attacker.example", "Eve\nBcc: x", "Eve\rX", "Eve\u{85}", "Eve\u{2028}", "Eve\t", "Eve\u{0}"])
    func controlCharactersInNamesAreRefused(name: String) {
        #expect(throws: MailMessageError.self) { try MailAddress("ada@example.com", name: name, field: "recipient") }
        do {
            _ = try MailAddress("ada@example.com", name: name, field: "recipient")
        } catch {
            #expect(error.field == "recipient name")
            #expect(error.reason.contains("control character"))
        }
    }

    @Test(arguments: [
        "ada@example.com\r\nRCPT TO:<evil@attacker.example>", "ada@example.com>", "<ada@example.com>", "Ada <ada@example.com>",
        "ada@example.com\n", "ada example@example.com", "ada@", "ada@example", "",
    ])
    func addressesThatAreNotAnAddrSpecAreRefused(address: String) {
        #expect(throws: MailMessageError.self) { try MailAddress(address, field: "recipient") }
    }

    @Test(arguments: ["Hi\r\nBcc: evil@attacker.example", "Hi\n", "Hi\u{2029}there"])
    func controlCharactersInTheSubjectAreRefused(subject: String) {
        #expect(throws: MailMessageError.self) { try Self.message(subject: subject).rendered() }
    }
}

// MARK: A small parser, from the RFCs

/// Headers (unfolded) and body of a message or body part; checks on the way
/// that every line ends in CRLF and fits in 78 characters.
struct ParsedMessage {
    var headers: [(name: String, value: String)] = []
    var body: String

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(bytes.allSatisfy { $0 < 0x80 }, "8-bit bytes in the message")
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)")
        }
        for (index, byte) in bytes.enumerated() where byte == 0x0D {
            #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)")
        }
        for line in text.components(separatedBy: "\r\n") {
            // A URL is one token that cannot be folded (List-Unsubscribe's): it may pass
            // 78, within RFC 5322's hard limit of 998.
            let limit = line.hasPrefix("List-Unsubscribe: <http") ? 998 : 78
            #expect(line.utf8.count <= limit, "line of \(line.utf8.count): \(line)")
        }
        guard let split = text.range(of: "\r\n\r\n") else { throw ParseError() }
        body = String(text[split.upperBound...])
        let unfolded = text[..<split.lowerBound].replacingOccurrences(of: "\r\n ", with: " ")
        for line in unfolded.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw ParseError() }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
    }

    func header(_ name: String) -> String? {
        let matches = headers.filter { $0.name.lowercased() == name.lowercased() }
        #expect(matches.count <= 1, "\(name) appears \(matches.count) times")
        return matches.first?.value
    }

    struct ParseError: Error {}
}

/// RFC 2047 decoding of `=?UTF-8?B?...?=` words; whitespace between two
/// adjacent encoded-words is dropped (§6.2), other text kept.
func decodeWords(_ text: String) -> String {
    let tokens = text.components(separatedBy: " ")
    var output = ""
    var previousWasEncoded = false
    for (index, token) in tokens.enumerated() {
        if token.hasPrefix("=?UTF-8?B?") && token.hasSuffix("?=") {
            let payload = token.dropFirst(10).dropLast(2)
            let decoded = Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "<bad>"
            if index > 0 && !previousWasEncoded { output += " " }
            output += decoded
            previousWasEncoded = true
        } else {
            if index > 0 { output += " " }
            output += token
            previousWasEncoded = false
        }
    }
    return output
}

/// A display name: a quoted-string (unescaped) or encoded-words.
func decodePhrase(_ phrase: String) -> String {
    if phrase.hasPrefix("\"") && phrase.hasSuffix("\"") {
        var output = ""
        var escaped = false
        for character in phrase.dropFirst().dropLast() {
            if escaped || character != "\\" {
                output.append(character)
                escaped = false
            } else {
                escaped = true
            }
        }
        return output
    }
    return decodeWords(phrase)
}

/// RFC 2045 §6.7 decoding: `=XX` escapes and `=` soft line breaks.
func decodeQuotedPrintable(_ text: String) -> [UInt8] {
    let bytes = Array(text.utf8)
    var output: [UInt8] = []
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "=") {
            if index + 2 < bytes.count && bytes[index + 1] == 0x0D && bytes[index + 2] == 0x0A {
                index += 3
                continue
            }
            let hex = String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self)
            output.append(UInt8(hex, radix: 16) ?? 0x3F)
            index += 3
        } else {
            output.append(bytes[index])
            index += 1
        }
    }
    return output
}
