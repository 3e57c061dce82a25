import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// A failed libzmq call, keeping the `errno` libzmq reported.
///
/// Callers branch on the error number (`EAGAIN` means "try later", `ETERM` means
/// "the context is going away", `EADDRINUSE` means "another process holds the
/// port"), so it is kept as a number and never reduced to a string. The
/// operation and the endpoint are kept too, because "Address already in use"
/// alone does not tell an operator which of the core's three endpoints failed.
///
/// Match it like a result code:
///
/// ```swift
/// do { try socket.bind("tcp://127.0.0.1:7402") }
/// catch let error as ZMQError where error.code == .EADDRINUSE { ... }
///
/// switch error {
/// case .EAGAIN: retryLater()
/// case .ETERM: return
/// default: throw error
/// }
/// ```
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An `errno` value as a type, so that `case .EAGAIN` reads like the C it mirrors.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let EAGAIN = Code(rawValue: Glibc.EAGAIN)
        public static let EINTR = Code(rawValue: Glibc.EINTR)
        public static let EINVAL = Code(rawValue: Glibc.EINVAL)
        public static let EADDRINUSE = Code(rawValue: Glibc.EADDRINUSE)
        public static let EHOSTUNREACH = Code(rawValue: Glibc.EHOSTUNREACH)
        public static let ENOTSOCK = Code(rawValue: Glibc.ENOTSOCK)
        public static let EPROTONOSUPPORT = Code(rawValue: Glibc.EPROTONOSUPPORT)
        /// libzmq's own code: the context was terminated while the call was in progress.
        public static let ETERM = Code(rawValue: CZeroMQ.ETERM)

        public var description: String { String(cString: zmq_strerror(rawValue)) }

        /// Lets `case .EAGAIN:` match a ``ZMQError`` in a `switch`.
        public static func ~= (pattern: Code, error: ZMQError) -> Bool { pattern == error.code }
        /// Lets `catch ZMQError.Code.EAGAIN` match any error.
        public static func ~= (pattern: Code, error: any Error) -> Bool {
            (error as? ZMQError)?.code == pattern
        }
    }

    /// The error number libzmq reported.
    public let code: Code
    /// The call that failed, such as `"bind"` or `"zmq_setsockopt(ZMQ_LINGER)"`.
    public let operation: String
    /// The endpoint involved, when there is one.
    public let endpoint: String?

    /// The raw `errno`.
    public var errno: Int32 { code.rawValue }

    public init(errno: Int32, operation: String, endpoint: String? = nil) {
        self.code = Code(rawValue: errno)
        self.operation = operation
        self.endpoint = endpoint
    }

    /// Captures `zmq_errno()` right after a failed call; call it before anything else can touch errno.
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        ZMQError(errno: zmq_errno(), operation: operation, endpoint: endpoint)
    }

    public var description: String {
        let place = endpoint.map { " \($0)" } ?? ""
        return "\(operation)\(place): \(code.description) (errno \(errno))"
    }
}
