import CCurl
import CCurlShims
import Foundation
import Synchronization

/// A failed libcurl call: the `CURLcode` and the most specific text libcurl
/// gave (its error buffer when filled, else `curl_easy_strerror`).
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The raw `CURLcode`, e.g. 7 for `CURLE_COULDNT_CONNECT`.
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    init(_ code: CURLcode, detail: String = "") {
        self.code = Int(code.rawValue)
        self.message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    public var description: String { "curl error \(code): \(message)" }
}

/// `curl_global_init` exactly once per process, before the first easy handle.
///
/// It is not thread-safe in libcurl itself; a Swift global `let` is initialised
/// once under a lock, so every handle (and every other libcurl user, such as
/// the URL parser) goes through this.
let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// One libcurl easy handle and everything it points to.
///
/// libcurl keeps raw pointers to the lists, callbacks' context and error
/// buffer we give it, so this object owns them for as long as the handle
/// lives. A handle is used by one thread at a time; ``CurlTransfer`` runs
/// ``perform()`` off Swift's cooperative pool because it blocks.
///
/// Generic on purpose (no protocol knowledge): SMTP and HTTP clients set their
/// own options on it.
public final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    // Callback state, reached from the C callbacks through an unretained pointer to self.
    private var upload: [UInt8] = []
    private var uploadOffset = 0
    /// The response body (HTTP) written by libcurl.
    public private(set) var responseBody: [UInt8] = []
    /// At most this many bytes of body are kept; more aborts the transfer with
    /// `CURLE_WRITE_ERROR` and sets ``responseBodyExceededLimit``.
    public var responseBodyLimit = Int.max
    public private(set) var responseBodyExceededLimit = false
    /// Header lines (HTTP) or server response lines (SMTP, FTP, ...), without line ends.
    public private(set) var responseLines: [String] = []
    private let cancelled = Atomic<Bool>(false)
    private var connectionFilter: ((_ family: Int32, _ address: [UInt8]) -> Bool)?
    /// The connection ``allowConnections(only:)`` refused, if any.
    public private(set) var refusedConnection: (family: Int32, address: [UInt8])?

    public init() throws(CurlError) {
        guard curlGlobalInit == CURLE_OK else { throw CurlError(curlGlobalInit, detail: "curl_global_init failed") }
        guard let handle = curl_easy_init() else {
            throw CurlError(CURLE_FAILED_INIT, detail: "curl_easy_init returned no handle")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        // Signals cannot be used for timeouts in a multi-threaded process.
        try set(CURLOPT_NOSIGNAL, 1)
        try captureResponse()
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    // MARK: Options (each throws instead of being silently ignored)

    public func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(herald_curl_easy_setopt_long(handle, option, value))
    }

    /// libcurl copies string options, so `value` need not outlive the call.
    public func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        try check(herald_curl_easy_setopt_string(handle, option, value))
    }

    /// A `curl_slist` option (`CURLOPT_MAIL_RCPT`, `CURLOPT_HTTPHEADER`); the
    /// list is kept until the handle goes away, as libcurl requires.
    public func set(_ option: CURLoption, list values: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values {
            guard let appended = curl_slist_append(list, value) else {
                if let list { curl_slist_free_all(list) }
                throw CurlError(CURLE_OUT_OF_MEMORY)
            }
            list = appended
        }
        if let list { lists.append(list) }
        try check(herald_curl_easy_setopt_slist(handle, option, list))
    }

    /// Sends `bytes` as the upload (SMTP's DATA, an HTTP PUT) through a read callback.
    public func setUpload(_ bytes: [UInt8]) throws(CurlError) {
        upload = bytes
        uploadOffset = 0
        try set(CURLOPT_UPLOAD, 1)
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(self).toOpaque()))
        try check(herald_curl_easy_setopt_read_function(handle) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
            let chunk = min(size * count, easy.upload.count - easy.uploadOffset)
            guard chunk > 0 else { return 0 }  // 0 tells libcurl the upload is complete
            easy.upload.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + easy.uploadOffset, byteCount: chunk)
            }
            easy.uploadOffset += chunk
            return chunk
        })
    }

    /// Sends `bytes` as the request body in one piece. `CURLOPT_COPYPOSTFIELDS`:
    /// libcurl keeps its own copy, so `bytes` need not outlive the call.
    public func setPostFields(_ bytes: some ContiguousBytes) throws(CurlError) {
        let count = bytes.withUnsafeBytes(\.count)
        try set(CURLOPT_POSTFIELDSIZE, count)
        try check(bytes.withUnsafeBytes { raw in
            let empty: StaticString = ""
            let pointer = raw.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
            return herald_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: pointer))
        })
    }

    /// Lets libcurl open a socket only when `allow` accepts the address
    /// (family, and 4 or 16 raw bytes for IPv4 or IPv6; empty for others).
    /// A refusal fails the connection and is kept in ``refusedConnection``.
    public func allowConnections(only allow: @escaping (_ family: Int32, _ address: [UInt8]) -> Bool) throws(CurlError) {
        connectionFilter = allow
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(self).toOpaque()))
        try check(herald_curl_easy_setopt_opensocket_function(handle) { context, _, address in
            guard let context, let address else { return -1 }
            return Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue().openSocket(address)
        })
    }

    private func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        let field = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
        // libcurl's storage behind `addr` is large enough for an IPv6 address.
        var bytes: [UInt8] = []
        if family == AF_INET {
            var raw = field.loadUnaligned(as: sockaddr_in.self).sin_addr
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        } else if family == AF_INET6 {
            var raw = field.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        }
        guard connectionFilter?(family, bytes) ?? true else {
            refusedConnection = (family, bytes)
            return -1
        }
        return socket(family, address.pointee.socktype, address.pointee.protocol)
    }

    private func captureResponse() throws(CurlError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        try check(herald_curl_easy_setopt_write_function(handle) { data, size, count, context in
            guard let context else { return 0 }
            let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
            guard let data else { return size * count }
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            if easy.responseBody.count + bytes.count > easy.responseBodyLimit {
                easy.responseBody.append(contentsOf: bytes.prefix(easy.responseBodyLimit - easy.responseBody.count))
                easy.responseBodyExceededLimit = true
                return 0  // fewer bytes than offered makes libcurl abort the transfer
            }
            easy.responseBody.append(contentsOf: bytes)
            return bytes.count
        })
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        try check(herald_curl_easy_setopt_header_function(handle) { data, size, count, context in
            guard let context else { return 0 }
            let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
            if let data {
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                easy.responseLines.append(line.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n")))
            }
            return size * count
        })
        // Progress callback only to notice cancellation: returning non-zero aborts the transfer.
        try check(herald_curl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, context))
        try check(herald_curl_easy_setopt_xferinfo_function(handle) { context, _, _, _, _ in
            guard let context else { return 0 }
            return Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue().cancelled.load(ordering: .relaxed) ? 1 : 0
        })
        try set(CURLOPT_NOPROGRESS, 0)
    }

    // MARK: Running

    /// Makes a running ``perform()`` stop soon with `CURLE_ABORTED_BY_CALLBACK`;
    /// safe from any thread.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Runs the transfer; blocks the calling thread until it ends.
    public func perform() throws(CurlError) {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else { throw CurlError(code, detail: String(cString: errorBuffer)) }
    }

    /// The last response code: HTTP status, or the SMTP reply code (e.g. 550)
    /// of the last command the server answered; 0 when none came.
    public var responseCode: Int {
        var code = 0
        guard herald_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK else { return 0 }
        return code
    }

    private func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError(code) }
    }
}

/// Runs blocking libcurl transfers without starving Swift concurrency.
public enum CurlTransfer {
    /// Builds a handle with `configure`, performs it on a thread of its own
    /// (so many concurrent transfers never occupy the cooperative pool, which
    /// has one thread per core), and hands the finished handle to `finish`.
    ///
    /// Cancelling the calling task aborts the transfer through libcurl's
    /// progress callback.
    ///
    /// With `abortsOnCancel` false the transfer runs to its end (or its
    /// timeout) whatever becomes of the task.
    public static func run<T: Sendable>(
        abortsOnCancel: Bool = true,
        _ configure: @escaping @Sendable (CurlEasy) throws(CurlError) -> Void,
        finish: @escaping @Sendable (CurlEasy, CurlError?) -> T
    ) async -> Result<T, CurlError> {
        let box = HandleBox()
        return await withTaskCancellationHandler {
            await BlockingThread.run("curl-transfer") { () -> Result<T, CurlError> in
                let easy: CurlEasy
                do throws(CurlError) {
                    easy = try CurlEasy()
                    try configure(easy)
                } catch {
                    return .failure(error)
                }
                if !box.attach(easy) { easy.cancel() }
                var failure: CurlError?
                do throws(CurlError) { try easy.perform() } catch { failure = error }
                box.detach()
                return .success(finish(easy, failure))
            }
        } onCancel: {
            if abortsOnCancel { box.cancel() }
        }
    }

    /// The handle a cancellation handler may reach from another thread.
    private final class HandleBox: @unchecked Sendable {
        private let lock = NSLock()
        private var easy: CurlEasy?
        private var cancelled = false

        /// False when the task was already cancelled.
        func attach(_ easy: CurlEasy) -> Bool {
            lock.withLock {
                self.easy = easy
                return !cancelled
            }
        }

        func detach() { lock.withLock { easy = nil } }

        func cancel() {
            lock.withLock {
                cancelled = true
                easy?.cancel()
            }
        }
    }
}
