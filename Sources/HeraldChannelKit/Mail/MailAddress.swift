/// Why a message cannot be built: a field that would let its value escape the
/// header it belongs in, or that is not a usable address.
///
/// libcurl writes `MAIL FROM`/`RCPT TO` and our headers to the server as given,
/// so a CR or LF in a name or address would become an SMTP command or an extra
/// header (`\r\nBcc: someone`). Every value is checked before anything is sent.
public struct MailMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault: "recipient name", "recipient email", "subject", ...
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field) \(reason)" }
}

/// A mailbox: an address and an optional display name, both checked.
public struct MailAddress: Sendable, Equatable {
    public let address: String
    public let name: String

    /// - Parameter field: names the value in errors, e.g. "recipient".
    public init(_ address: String, name: String = "", field: String) throws(MailMessageError) {
        try MailText.checkHeaderText(name, field: "\(field) name")
        guard MailAddress.isAddress(address) else {
            try MailText.checkHeaderText(address, field: "\(field) email")
            throw MailMessageError(field: "\(field) email", reason: "\"\(address)\" is not an email address")
        }
        self.address = address
        self.name = name
    }

    /// An addr-spec as Herald accepts it (the core's rule): one `@`, a local
    /// part of atext and single dots, a domain of letter/digit/hyphen labels.
    /// Nothing that could end an SMTP command or a header (no space, CR, LF,
    /// `<`, `>`, quotes) can pass.
    public static func isAddress(_ value: String) -> Bool {
        guard value.utf8.count <= 254 else { return false }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        guard local.unicodeScalars.allSatisfy({ $0.isASCII && (isAlphanumeric($0) || localSpecials.contains($0)) })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && (isAlphanumeric($0) || $0 == "-") }
        }
    }

    /// The domain part, used for Message-IDs.
    public var domain: Substring { address[address.index(after: address.firstIndex(of: "@")!)...] }

    private static let localSpecials = Set(".!#$%&'*+/=?^_`{|}~-".unicodeScalars)
    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

/// Checks on text that goes into a header.
public enum MailText {
    /// Refuses control characters (C0, DEL, C1, which include CR, LF, TAB and
    /// NEL) and the Unicode line and paragraph separators: any of them could
    /// end a header line or an SMTP command in some reader.
    public static func checkHeaderText(_ value: String, field: String) throws(MailMessageError) {
        for scalar in value.unicodeScalars where isForbidden(scalar) {
            let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
            throw MailMessageError(
                field: field, reason: "contains a control character (\(code)); refusing it so that it cannot inject headers or SMTP commands")
        }
    }

    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
