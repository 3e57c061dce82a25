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
        let result = await HTTPThread.run("herald-http") { HTTPTransfer(request).perform() }
        return try result.get()
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

/// One transfer: the handle's options, and what its callbacks collect. Used
/// by one thread only, from `perform()` to its return.
final class HTTPTransfer {
    private let request: HTTPRequest
    private var body = Data()
    private var headers: [HTTPHeader] = []
    private var bodyTooLarge = false
    /// An address libcurl tried to connect to although it was not pinned.
    private var refusedAddress: String?

    init(_ request: HTTPRequest) {
        self.request = request
    }

    func perform() -> Result<HTTPResponse, HTTPError> {
        HTTPCurlSetup.initialize()
        guard let curl = curl_easy_init() else { return .failure(HTTPError(.connection, "libcurl could not start a transfer")) }
        defer { curl_easy_cleanup(curl) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            curl_slist_free_all(resolveList)
        }
        let errorSize = Int(CURL_ERROR_SIZE) + 1
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: errorSize)
        errorBuffer.initialize(repeating: 0, count: errorSize)
        defer { errorBuffer.deallocate() }

        // Every option is set; the first one libcurl refuses is what gets reported.
        var setupError = CURLE_OK
        func check(_ code: CURLcode) { if setupError == CURLE_OK { setupError = code } }

        check(herald_curl_easy_setopt_string(curl, CURLOPT_URL, request.url))
        check(herald_curl_easy_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(herald_curl_easy_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0))
        // Signals for timeouts are process-wide: useless and unsafe with many threads.
        check(herald_curl_easy_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        let timeoutMs = max(1, Int(request.timeout.milliseconds))
        check(herald_curl_easy_setopt_long(curl, CURLOPT_TIMEOUT_MS, timeoutMs))
        check(herald_curl_easy_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000)))
        check(herald_curl_easy_setopt_string(curl, CURLOPT_USERAGENT, "Herald/1"))
        if !request.allowsProxy {
            // An empty proxy turns off the one the environment may name.
            check(herald_curl_easy_setopt_string(curl, CURLOPT_PROXY, ""))
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        if !request.pinnedAddresses.isEmpty {
            if let entry = resolveEntry() {
                resolveList = curl_slist_append(resolveList, entry)
                check(herald_curl_easy_setopt_slist(curl, CURLOPT_RESOLVE, resolveList))
            }
            // And whatever libcurl makes of the entry (a host spelled differently,
            // a trailing dot), no socket is opened to an address not checked.
            check(herald_curl_easy_setopt_pointer(curl, CURLOPT_OPENSOCKETDATA, context))
            check(herald_curl_easy_setopt_opensocket_function(curl) { context, _, address in
                let transfer = Unmanaged<HTTPTransfer>.fromOpaque(context!).takeUnretainedValue()
                return transfer.openSocket(address)
            })
        }

        switch request.method.uppercased() {
        case "GET":
            check(herald_curl_easy_setopt_long(curl, CURLOPT_HTTPGET, 1))
        case "HEAD":
            check(herald_curl_easy_setopt_long(curl, CURLOPT_NOBODY, 1))
        default:
            check(herald_curl_easy_setopt_long(curl, CURLOPT_POSTFIELDSIZE, request.body.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, so the Data may go.
            request.body.withUnsafeBytes { raw in
                let empty: StaticString = ""
                let pointer = raw.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
                check(herald_curl_easy_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: pointer)))
            }
            if request.method.uppercased() != "POST" {
                check(herald_curl_easy_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method.uppercased()))
            }
        }

        // "Expect:" stops libcurl from waiting for a 100 Continue on larger bodies.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        check(herald_curl_easy_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList))
        check(herald_curl_easy_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer))

        check(herald_curl_easy_setopt_pointer(curl, CURLOPT_WRITEDATA, context))
        check(herald_curl_easy_setopt_write_function(curl) { data, size, count, context in
            let transfer = Unmanaged<HTTPTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveBody(data, size * count)
        })
        check(herald_curl_easy_setopt_pointer(curl, CURLOPT_HEADERDATA, context))
        check(herald_curl_easy_setopt_header_function(curl) { data, size, count, context in
            let transfer = Unmanaged<HTTPTransfer>.fromOpaque(context!).takeUnretainedValue()
            transfer.receiveHeaderLine(data, size * count)
            return size * count
        })

        guard setupError == CURLE_OK else {
            return .failure(HTTPError(.invalidRequest, "libcurl refused an option: \(String(cString: curl_easy_strerror(setupError)))"))
        }
        let code = curl_easy_perform(curl)
        if let refused = refusedAddress {
            return .failure(HTTPError(.invalidRequest, "refused to connect to \(refused), which is not an address that was checked"))
        }
        // A body over the limit stops the transfer, but the status and headers are in.
        let truncated = code == CURLE_WRITE_ERROR && bodyTooLarge
        guard code == CURLE_OK || truncated else {
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            return .failure(error(for: code, detail: detail))
        }
        var status = 0
        _ = herald_curl_easy_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        var response = HTTPResponse(status: status, headers: headers, body: body)
        response.isTruncated = truncated
        return .success(response)
    }

    /// `host:port:address,...` for `CURLOPT_RESOLVE`, when addresses are pinned
    /// and the URL names a host (an address literal needs no lookup).
    private func resolveEntry() -> String? {
        guard !request.pinnedAddresses.isEmpty, let url = HTTPURL(request.url), url.hostAddress == nil else { return nil }
        return "\(url.host):\(url.port):" + request.pinnedAddresses.map(\.uriLiteral).joined(separator: ",")
    }

    private func error(for code: CURLcode, detail: String) -> HTTPError {
        switch code {
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

    /// Opens the socket for a connection, but only to a pinned address.
    private func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t {
        guard let address else { return -1 }
        let family = address.pointee.family
        let field = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
        // libcurl's storage behind `addr` is large enough for an IPv6 address.
        var target: IPAddress?
        if family == AF_INET {
            var raw = field.loadUnaligned(as: sockaddr_in.self).sin_addr
            target = IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        } else if family == AF_INET6 {
            var raw = field.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            target = IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        }
        guard let target, request.pinnedAddresses.contains(where: { $0.canonical == target.canonical }) else {
            refusedAddress = target?.description ?? "an address of family \(family)"
            return -1
        }
        return socket(family, address.pointee.socktype, address.pointee.protocol)
    }

    /// Returning fewer bytes than offered makes libcurl abort the transfer.
    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return 0 }
        if body.count + count > request.maximumResponseBytes {
            body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: request.maximumResponseBytes - body.count)
            bodyTooLarge = true
            return 0
        }
        body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: count)
        return count
    }

    /// Called once per header line of every response, interim ones (100
    /// Continue) included: a status line starts the list afresh.
    private func receiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) {
        guard let data, count > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
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
}
