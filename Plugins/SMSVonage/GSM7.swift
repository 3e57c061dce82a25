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
}
