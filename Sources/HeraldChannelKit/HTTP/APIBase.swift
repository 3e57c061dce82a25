/// A provider's base URL from the environment, so that tests and staging
/// systems can point a channel at a local peer (`TWILIO_API_BASE=http://127.0.0.1:8080`).
public enum APIBase {
    /// The http(s) URL in `variable`, else `fallback`, without trailing slashes.
    /// - Parameter fallback: the real API; nil makes the variable required.
    /// - Throws: ``ChannelConfigurationError`` naming `variable` when it is
    ///   missing (no fallback) or not an http or https URL with a host.
    public static func from(
        _ variable: String, default fallback: String?, in environment: [String: String]
    ) throws(ChannelConfigurationError) -> String {
        var base: String
        if let value = environment[variable], !value.isEmpty {
            base = value
        } else if let fallback {
            base = fallback
        } else {
            throw .missing(variable)
        }
        guard let url = HTTPURL(base), url.isHTTP else {
            throw ChannelConfigurationError("\(variable) is not an http:// or https:// URL: \(base)", variable: variable)
        }
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
