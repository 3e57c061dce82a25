import Foundation

/// The encodings a mail message needs: RFC 2047 encoded-words for non-ASCII
/// header text, quoted-printable bodies (RFC 2045) and header folding (RFC 5322).
public enum MIMEEncoding {
    /// The preferred line length of RFC 5322 (without CRLF); every line we
    /// write stays within it except an unbreakable address or Message-ID,
    /// which still stays far below the hard limit of 998.
    public static let lineLimit = 78

    // MARK: RFC 2047

    /// Most UTF-8 bytes per encoded-word: 39 bytes are 52 base64 characters,
    /// so a word is 64 characters and fits a line after "Reply-To: ".
    static let bytesPerWord = 39

    /// `text` as `=?UTF-8?B?...?=` words, each at most 64 characters, split
    /// only between Unicode scalars (RFC 2047 §5 forbids splitting a character's
    /// bytes across words). Separate them with whitespace: a reader drops
    /// whitespace between adjacent encoded-words, so the text comes back exactly.
    public static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > bytesPerWord {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Whether `text` can go into a header as it is: printable ASCII and single
    /// spaces between words (so folding at a space loses nothing), no "=?"
    /// that a reader would take for an encoded-word, no word too long to fold.
    static func isPlainHeaderText(_ text: String, maxWord: Int = 60) -> Bool {
        guard text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }),
            !text.contains("=?"), !text.hasPrefix(" "), !text.hasSuffix(" "), !text.contains("  ")
        else { return false }
        return text.split(separator: " ").allSatisfy { $0.count <= maxWord }
    }

    /// Header text as the tokens of a header line: its words when plain, else encoded-words.
    static func headerTokens(_ text: String) -> [String] {
        isPlainHeaderText(text) ? text.split(separator: " ").map(String.init) : encodedWords(text)
    }

    /// A display name as a phrase: a quoted-string when short plain ASCII,
    /// else encoded-words (which also keep long names within the line limit).
    static func phraseTokens(_ name: String) -> [String] {
        if isPlainHeaderText(name), name.count <= 60 {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return ["\"" + escaped + "\""]
        }
        return encodedWords(name)
    }

    // MARK: Folding

    /// `Name: token token`, folded (CRLF + space) before a token that would
    /// pass ``lineLimit``. Tokens are never split; no trailing CRLF.
    public static func header(_ name: String, _ tokens: [String]) -> String {
        var result = name + ":"
        var lineLength = result.utf8.count
        for token in tokens {
            let length = token.utf8.count
            if lineLength + 1 + length > lineLimit && lineLength > name.utf8.count + 1 {
                result += "\r\n"
                lineLength = 0
            }
            result += " " + token
            lineLength += 1 + length
        }
        return result
    }

    // MARK: Bodies

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, with CRLF line ends.
    ///
    /// Any line end in `text` (LF, CRLF or a lone CR) becomes a CRLF; encoded
    /// lines are at most 76 characters, using soft breaks (`=` at the end). A
    /// space or tab before a line end, a leading `.` (SMTP's end of data if
    /// alone) and a leading "From " (mangled by mbox readers) are encoded too.
    public static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { quotedPrintableLine(Array($0.utf8)) }.joined(separator: "\r\n")
    }

    private static func quotedPrintableLine(_ bytes: [UInt8]) -> String {
        var output = ""
        var lineLength = 0
        for index in bytes.indices {
            let isLast = index == bytes.count - 1
            func piece(atLineStart: Bool) -> String {
                let byte = bytes[index]
                var literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                if atLineStart && (byte == UInt8(ascii: ".") || bytes[index...].starts(with: Array("From ".utf8))) {
                    literal = false
                }
                return literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
            }
            var next = piece(atLineStart: lineLength == 0)
            // Room for the piece, plus a soft break "=" unless it ends the line.
            if lineLength + next.utf8.count > (isLast ? 76 : 75) {
                output += "=\r\n"
                lineLength = 0
                next = piece(atLineStart: true)
            }
            output += next
            lineLength += next.utf8.count
        }
        return output
    }

    /// Base64 with CRLF every 76 characters, as RFC 2045 §6.8 requires.
    public static func base64Lines(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }
}
