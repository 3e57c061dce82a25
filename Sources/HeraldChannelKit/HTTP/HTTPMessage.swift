import Foundation

/// One header line, kept as sent or received (names compare case-insensitively).
public struct HTTPHeader: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `Authorization: Basic base64(user:password)`.
    public static func basicAuthorization(user: String, password: String) -> HTTPHeader {
        HTTPHeader("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    /// `Authorization: Bearer token`.
    public static func bearerAuthorization(_ token: String) -> HTTPHeader {
        HTTPHeader("Authorization", "Bearer \(token)")
    }

    /// Credentials never reach a log line, even when a whole request is printed.
    public var description: String {
        name.lowercased() == "authorization" ? "\(name): <redacted>" : "\(name): \(value)"
    }
}

/// What to send. The client never follows redirects and speaks only http and https.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Data
    /// The whole transfer, connecting included.
    public var timeout: Duration
    /// Connect to these addresses instead of resolving the URL's host again
    /// (libcurl's `CURLOPT_RESOLVE`): the webhook channel checks an address,
    /// then pins the connection to it so a second DNS answer cannot differ.
    public var pinnedAddresses: [IPAddress]
    /// Whether libcurl may use a proxy from the environment (`https_proxy`, ...).
    /// Off for targets whose address was checked: a proxy would connect elsewhere.
    public var allowsProxy: Bool
    /// Read at most this much of the response body (memory a hostile peer
    /// could otherwise fill); the rest is not read, and the response says so.
    public var maximumResponseBytes: Int

    public init(
        method: String = "POST", url: String, headers: [HTTPHeader] = [], body: Data = Data(),
        timeout: Duration = .seconds(30), pinnedAddresses: [IPAddress] = [], allowsProxy: Bool = true,
        maximumResponseBytes: Int = 1 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.pinnedAddresses = pinnedAddresses
        self.allowsProxy = allowsProxy
        self.maximumResponseBytes = maximumResponseBytes
    }
}

/// What came back: the final response's status, headers and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data
    /// The body was longer than ``HTTPRequest/maximumResponseBytes``: `body` is its beginning.
    public var isTruncated = false

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header called `name`, in any case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The `Retry-After` header as a wait from `now`, when present and valid.
    public func retryAfter(now: Date = Date()) -> Duration? {
        header("Retry-After").flatMap { RetryAfter.parse($0, now: now) }
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as text for an error message, cut short and on one line.
    public func bodySnippet(limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        let line = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return body.count > limit ? line + "..." : line
    }
}

/// Why no response came back.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The request cannot be sent as it is (malformed URL, scheme other than
        /// http/https, CR or LF in a header): sending it again will not help.
        case invalidRequest = "invalid_request"
        /// The host name did not resolve.
        case resolve
        /// No connection, or it broke before a complete response.
        case connection
        /// The TLS handshake or certificate check failed.
        case tls
        /// The whole transfer took longer than the request's timeout.
        case timeout
    }

    public var kind: Kind
    /// What libcurl said (it names hosts and ports, never credentials).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension HTTPError {
    /// The outcome for a delivery whose request got no response: the request
    /// itself was wrong (permanent), or the network or peer failed (try again;
    /// the provider may or may not have acted on it).
    public var outcome: Outcome {
        switch kind {
        case .invalidRequest:
            .failed(error: message, code: kind.rawValue)
        case .resolve, .connection, .tls, .timeout:
            .retry(error: message, code: kind.rawValue)
        }
    }
}

extension String {
    /// The text with every occurrence of each secret replaced, for error
    /// messages built from what a provider answered (a provider may echo a
    /// credential back; it must never reach the ReminderLog or a log line).
    public func redactingSecrets(_ secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(self) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }
}

extension Outcome {
    /// The same outcome with each secret removed from its error text.
    public func redactingSecrets(_ secrets: [String]) -> Outcome {
        switch self {
        case .sent:
            self
        case .retry(let error, let code, let after):
            .retry(error: error.redactingSecrets(secrets), code: code, after: after)
        case .failed(let error, let code):
            .failed(error: error.redactingSecrets(secrets), code: code)
        case .recipientGone(let error, let code):
            .recipientGone(error: error.redactingSecrets(secrets), code: code)
        }
    }
}
