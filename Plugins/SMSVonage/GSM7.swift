/// The GSM 03.38 default alphabet and its extension table: what an SMS can
/// carry as plain `text`. Anything else needs Vonage's `type=unicode` (UCS-2),
/// or the carrier shows question marks.
enum GSM7 {
    static let basic = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)
    /// Sent as an escape plus a second septet.
    static let extended = Set("^{}\\[~]|€\u{0C}".unicodeScalars)

    /// Whether every character of `text` is in the default alphabet or its extension.
    static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { basic.contains($0) || extended.contains($0) }
    }

    /// No-break and thin spaces become plain ones. Date formatting puts a
    /// narrow no-break space before "PM"; left alone, that one invisible
    /// character would make the whole message UCS-2 (70 characters a part
    /// instead of 160), for no difference a reader could see.
    static func normalizingSpaces(_ text: String) -> String {
        let spaces: Set<Unicode.Scalar> = ["\u{00A0}", "\u{2007}", "\u{2009}", "\u{202F}"]
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.map { spaces.contains($0) ? " " : $0 })
        return String(scalars)
    }
}
