import CCurl
import CCurlShims
import Foundation

/// HTTP/1.1 and HTTP/2 requests over libcurl, for the channels that call a
/// provider's REST API or a subscriber's webhook endpoint.
///
/// Each request gets a fresh easy handle on a thread of its own (libcurl
/// blocks), so any number may run at once without starving Swift's
/// cooperative pool. Redirects are never followed: a provider that redirects
/// is misconfigured, and a webhook redirect could lead past the address check.
/// Only http and https are spoken. Every request has a timeout, which is also
/// what bounds a transfer whose task is cancelled.
public struct HTTPClient: Sendable {
    public init() {}

    /// Sends `request` and returns the final response, whatever its status.
    /// - Throws: ``HTTPError`` when no complete response came back.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        if let problem = Self.problem(with: request) { throw HTTPError(.invalidRequest, problem) }
        // Not aborted when the task is cancelled: the request's timeout bounds it.
        let result = await CurlTransfer.run(abortsOnCancel: false) { (easy: CurlEasy) throws(CurlError) in
            try HTTPTransfer(request).configure(easy)
        } finish: { easy, error in
            HTTPTransfer(request).result(of: easy, error: error)
        }
        switch result {
        case .success(let outcome): return try outcome.get()
        case .failure(let error) where error.code == Int(CURLE_FAILED_INIT.rawValue):
            throw HTTPError(.connection, "libcurl could not start a transfer: \(error.message)")
        case .failure(let error):
            throw HTTPError(.invalidRequest, "libcurl refused an option: \(error.message)")
        }
    }

    /// Why `request` cannot be sent as it is: CR, LF or NUL would let a value
    /// add headers of its own (header injection).
    static func problem(with request: HTTPRequest) -> String? {
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        let forbidden: Set<Unicode.Scalar> = ["\r", "\n", "\0"]
        if request.method.isEmpty || !request.method.allSatisfy({ $0.isLetter && $0.isASCII }) {
            return "the method \"\(request.method)\" is not a token"
        }
        if request.url.unicodeScalars.contains(where: { forbidden.contains($0) || $0 == " " }) {
            return "the URL contains a space, CR, LF or NUL"
        }
        for header in request.headers {
            if header.name.isEmpty || header.name.unicodeScalars.contains(where: { forbidden.contains($0) || $0 == ":" || $0 == " " }) {
                return "the header name \"\(header.name)\" is not a token"
            }
            if header.value.unicodeScalars.contains(where: { forbidden.contains($0) }) {
                return "the value of header \(header.name) contains CR, LF or NUL"
            }
        }
        if request.timeout <= .zero { return "the timeout must be positive" }
        return nil
    }
}

/// One request's options for the handle, and what becomes of its response.
struct HTTPTransfer {
    let request: HTTPRequest

    init(_ request: HTTPRequest) {
        self.request = request
    }

    func configure(_ easy: CurlEasy) throws(CurlError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        let timeoutMs = max(1, Int(request.timeout.milliseconds))
        try easy.set(CURLOPT_TIMEOUT_MS, timeoutMs)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000))
        try easy.set(CURLOPT_USERAGENT, "Herald/1")
        if !request.allowsProxy {
            // An empty proxy turns off the one the environment may name.
            try easy.set(CURLOPT_PROXY, "")
        }
        if !request.pinnedAddresses.isEmpty {
            if let entry = resolveEntry() { try easy.set(CURLOPT_RESOLVE, list: [entry]) }
            // And whatever libcurl makes of the entry (a host spelled differently,
            // a trailing dot), no socket is opened to an address not checked.
            let pinned = request.pinnedAddresses
            try easy.allowConnections { _, bytes in
                guard let target = IPAddress(bytes: bytes) else { return false }
                return pinned.contains { $0.canonical == target.canonical }
            }
        }

        switch request.method.uppercased() {
        case "GET":
            try easy.set(CURLOPT_HTTPGET, 1)
        case "HEAD":
            try easy.set(CURLOPT_NOBODY, 1)
        default:
            try easy.setPostFields(request.body)
            if request.method.uppercased() != "POST" {
                try easy.set(CURLOPT_CUSTOMREQUEST, request.method.uppercased())
            }
        }

        // "Expect:" stops libcurl from waiting for a 100 Continue on larger bodies.
        try easy.set(CURLOPT_HTTPHEADER, list: request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        easy.responseBodyLimit = request.maximumResponseBytes
    }

    func result(of easy: CurlEasy, error: CurlError?) -> Result<HTTPResponse, HTTPError> {
        if let refused = easy.refusedConnection {
            let address = IPAddress(bytes: refused.address)?.description ?? "an address of family \(refused.family)"
            return .failure(HTTPError(.invalidRequest, "refused to connect to \(address), which is not an address that was checked"))
        }
        // A body over the limit stops the transfer, but the status and headers are in.
        let truncated = error?.code == Int(CURLE_WRITE_ERROR.rawValue) && easy.responseBodyExceededLimit
        if let error, !truncated { return .failure(self.error(for: error)) }
        var response = HTTPResponse(status: easy.responseCode, headers: Self.headers(in: easy.responseLines), body: Data(easy.responseBody))
        response.isTruncated = truncated
        return .success(response)
    }

    /// `host:port:address,...` for `CURLOPT_RESOLVE`, when addresses are pinned
    /// and the URL names a host (an address literal needs no lookup).
    private func resolveEntry() -> String? {
        guard !request.pinnedAddresses.isEmpty, let url = HTTPURL(request.url), url.hostAddress == nil else { return nil }
        return "\(url.host):\(url.port):" + request.pinnedAddresses.map(\.uriLiteral).joined(separator: ",")
    }

    private func error(for error: CurlError) -> HTTPError {
        let detail = error.message
        switch CURLcode(rawValue: UInt32(error.code)) {
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPError(.timeout, "no response within \(request.timeout): \(detail)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPError(.resolve, detail)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            return HTTPError(.invalidRequest, detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE:
            return HTTPError(.tls, detail)
        default:
            return HTTPError(.connection, detail)
        }
    }

    /// The header lines of every response, interim ones (100 Continue)
    /// included, come in order: a status line starts the list afresh.
    static func headers(in lines: [String]) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        for line in lines {
            if line.hasPrefix("HTTP/") {
                headers.removeAll()
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                headers.append(HTTPHeader(name, value))
            }
        }
        return headers
    }
}
