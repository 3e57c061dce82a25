import Foundation

extension MailAddress {
    /// Reads a mailbox as mail settings write it (`SMTP_FROM`, Django's
    /// `DEFAULT_FROM_EMAIL`, Rails' `from`):
    ///
    /// - a bare address: `bookings@acme.test`;
    /// - a name and an address: `Acme Salon <bookings@acme.test>`, or `<bookings@acme.test>`;
    /// - a quoted name, which may hold specials: `"Acme, Salon" <bookings@acme.test>`
    ///   (`\"` and `\\` inside are unescaped);
    /// - RFC 2047 encoded-words, alone or between plain words:
    ///   `=?UTF-8?B?QWNtw6kgU2Fsb24=?= <bookings@acme.test>` (B or Q encoding;
    ///   UTF-8, US-ASCII or ISO-8859-1), decoded to the name they spell.
    ///
    /// An unquoted name may not hold `"(),:;<>@[\]` (a comma would make it two
    /// addresses: quote it). Nothing may follow the `>`. Control characters, CR
    /// and LF included, are refused anywhere, before or after decoding.
    ///
    /// - Parameter field: names the value in errors, e.g. "SMTP_FROM".
    public static func parse(_ text: String, field: String) throws(MailMessageError) -> MailAddress {
        try MailText.checkHeaderText(text, field: field)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw MailMessageError(field: field, reason: "is empty") }
        guard trimmed.contains("<") || trimmed.contains(">") else {
            guard isAddress(trimmed) else {
                throw MailMessageError(field: field, reason: "\"\(trimmed)\" is not an email address")
            }
            return try MailAddress(trimmed, field: field)
        }
        guard trimmed.hasSuffix(">") else {
            throw MailMessageError(field: field, reason: "has text after the address's closing '>', or no closing '>'")
        }
        let (display, address) = try split(trimmed, field: field)
        guard isAddress(address) else {
            throw MailMessageError(field: field, reason: "\"\(address)\" between < and > is not an email address")
        }
        let name = try displayName(display.trimmingCharacters(in: .whitespaces), field: field)
        try MailText.checkHeaderText(name, field: "\(field) name")
        return try MailAddress(address, name: name, field: field)
    }

    /// The text before the last `<` outside quotes, and the address between it and the final `>`.
    private static func split(_ text: String, field: String) throws(MailMessageError) -> (String, String) {
        let scalars = Array(text.unicodeScalars)
        var inQuotes = false
        var escaped = false
        var open: Int?
        for (index, scalar) in scalars.enumerated() {
            if escaped { escaped = false; continue }
            if inQuotes {
                if scalar == "\\" { escaped = true } else if scalar == "\"" { inQuotes = false }
                continue
            }
            switch scalar {
            case "\"":
                inQuotes = true
            case "<":
                guard open == nil else { throw MailMessageError(field: field, reason: "has more than one '<'") }
                open = index
            case ">":
                guard open != nil else { throw MailMessageError(field: field, reason: "has a '>' without '<'") }
                guard index == scalars.count - 1 else {
                    throw MailMessageError(field: field, reason: "has a '>' that does not close the address")
                }
            default:
                break
            }
        }
        guard !inQuotes else { throw MailMessageError(field: field, reason: "has a quoted name without its closing '\"'") }
        guard let open else { throw MailMessageError(field: field, reason: "has a '>' without '<'") }
        var display = String.UnicodeScalarView(), address = String.UnicodeScalarView()
        display.append(contentsOf: scalars[..<open])
        address.append(contentsOf: scalars[(open + 1)..<(scalars.count - 1)])
        return (String(display), String(address))
    }

    /// Characters an unquoted name cannot hold (RFC 5322 specials, less `.`,
    /// which names such as "J. Smith" use and readers accept).
    private static let nameSpecials = Set("\"(),:;<>@[\\]".unicodeScalars)

    private static func displayName(_ display: String, field: String) throws(MailMessageError) -> String {
        if display.isEmpty { return "" }
        if display.hasPrefix("\"") {
            let afterQuote = MailMessageError(
                field: field, reason: "has a quoted name followed by more text; quote the whole name")
            var name = String.UnicodeScalarView()
            var escaped = false
            var closed = false
            for scalar in display.unicodeScalars.dropFirst() {
                if closed { throw afterQuote }
                if escaped {
                    name.append(scalar)
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    closed = true
                } else {
                    name.append(scalar)
                }
            }
            guard closed else { throw MailMessageError(field: field, reason: "has a quoted name without its closing '\"'") }
            return String(name)
        }
        var name = ""
        var previousWasEncoded = false
        for word in display.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if word.hasPrefix("=?") {
                let decoded = try decodeEncodedWord(word, field: field)
                // Whitespace between two encoded-words is not part of the text (RFC 2047 §6.2).
                if !name.isEmpty && !previousWasEncoded { name += " " }
                name += decoded
                previousWasEncoded = true
            } else {
                if let special = word.unicodeScalars.first(where: { nameSpecials.contains($0) }) {
                    throw MailMessageError(
                        field: field,
                        reason: "has '\(special)' in an unquoted name; put the name in double quotes (\"Acme, Salon\" <bookings@acme.test>)")
                }
                if !name.isEmpty { name += " " }
                name += word
                previousWasEncoded = false
            }
        }
        return name
    }

    /// `=?charset?B|Q?text?=` (RFC 2047 §2, §4) to the text it encodes.
    static func decodeEncodedWord(_ word: Substring, field: String) throws(MailMessageError) -> String {
        let malformed = MailMessageError(
            field: field, reason: "has a malformed encoded-word \"\(word.prefix(80))\" (expected =?UTF-8?B?...?= or =?UTF-8?Q?...?=)")
        guard word.hasPrefix("=?"), word.hasSuffix("?="), word.count >= 8 else { throw malformed }
        let parts = word.dropFirst(2).dropLast(2).split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else { throw malformed }
        // A language tag may follow the charset (RFC 2231 §5): "UTF-8*en".
        let charset = parts[0].split(separator: "*", maxSplits: 1)[0].uppercased()
        let encoding: String.Encoding
        switch charset {
        case "UTF-8": encoding = .utf8
        case "US-ASCII": encoding = .ascii
        case "ISO-8859-1": encoding = .isoLatin1
        default:
            throw MailMessageError(field: field, reason: "has an encoded-word in charset \(charset.prefix(40)); use UTF-8")
        }
        let bytes: [UInt8]
        switch parts[1].uppercased() {
        case "B":
            guard let data = Data(base64Encoded: String(parts[2])) else { throw malformed }
            bytes = Array(data)
        case "Q":
            var decoded: [UInt8] = []
            var input = Array(parts[2].utf8)[...]
            while let byte = input.popFirst() {
                switch byte {
                case UInt8(ascii: "_"):
                    decoded.append(0x20)
                case UInt8(ascii: "="):
                    guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16)
                    else { throw malformed }
                    decoded.append(value)
                    input = input.dropFirst(2)
                default:
                    guard byte > 0x20, byte < 0x7F else { throw malformed }
                    decoded.append(byte)
                }
            }
            bytes = decoded
        default:
            throw malformed
        }
        guard let text = String(bytes: bytes, encoding: encoding) else {
            throw MailMessageError(field: field, reason: "has an encoded-word that is not valid \(charset)")
        }
        try MailText.checkHeaderText(text, field: "\(field) name")
        return text
    }
}
