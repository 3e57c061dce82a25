/// The rule for channel names that tenants use: team destinations and
/// templates name channels, and a plugin registers under the same name.
public enum ChannelName {
    /// The channels Herald plans customer messages for and has default wording for.
    public static let builtIn = ["email", "sms", "whatsapp", "webhook"]
    public static let maximumLength = 32

    /// Why `name` is not a channel name, or nil when it is one: 1 to 32 of
    /// lower-case ASCII letters, digits, `-` and `_`, starting with a letter
    /// (the same name a channel program registers with, e.g. `chat`).
    public static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "is required" }
        guard name.utf8.count <= maximumLength,
            let first = name.unicodeScalars.first, ("a"..."z").contains(first),
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
        else {
            return "\"\(name.prefix(40))\" is not a channel name (1-\(maximumLength) lower-case letters, digits, '-', '_', starting with a letter)"
        }
        return nil
    }

    /// Whether `name` is a plugin's channel rather than one of ``builtIn``.
    public static func isCustom(_ name: String) -> Bool {
        !builtIn.contains(name)
    }
}
