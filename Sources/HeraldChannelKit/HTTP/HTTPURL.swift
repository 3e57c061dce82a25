import CCurl
import CCurlShims

/// A URL taken apart by libcurl's own parser, so that the host a check looks at
/// is exactly the host the transfer will connect to (two parsers that disagree
/// on a URL like `http://a@b\@c/` are a classic way around address checks).
public struct HTTPURL: Sendable, Equatable {
    /// Lower case: `http` or `https` (or whatever else was written; check it).
    public var scheme: String
    /// As libcurl normalised it, without IPv6 brackets.
    public var host: String
    /// The explicit port, or the scheme's default.
    public var port: Int

    /// Parses an absolute URL; nil when libcurl cannot or it has no host.
    public init?(_ text: String) {
        _ = curlGlobalInit
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, text, 0) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart, flags: UInt32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME), var host = part(CURLUPART_HOST), !host.isEmpty,
              let portText = part(CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)), let port = Int(portText)
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
    }

    public var isHTTP: Bool { scheme == "http" || scheme == "https" }

    /// Whether the host is an address literal rather than a name.
    public var hostAddress: IPAddress? { IPAddress(host) }
}
