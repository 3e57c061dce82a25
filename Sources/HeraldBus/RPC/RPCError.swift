import HeraldProto

/// A failed RPC, as a gRPC-style status: a code, a sentence for a person, and
/// the request fields at fault.
///
/// Handlers throw it to choose the status the client sees; ``RPCClient`` throws
/// it with the status the server sent. Anything else a handler throws becomes
/// `INTERNAL` with a generic message, so internals never leak to clients.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Herald_V1_StatusCode
    public var message: String
    public var details: [Herald_V1_FieldViolation]

    public init(code: Herald_V1_StatusCode, message: String, details: [Herald_V1_FieldViolation] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// Reads a status from the wire.
    public init(status: Herald_V1_Status) {
        self.init(code: status.code, message: status.message, details: status.details)
    }

    /// The status to put on the wire.
    public var status: Herald_V1_Status {
        var status = Herald_V1_Status()
        status.code = code
        status.message = message
        status.details = details
        return status
    }

    public var description: String {
        var text = "\(code.name): \(message)"
        for violation in details where !(message.contains(violation.field) && message.contains(violation.description_p)) {
            text += "\n  \(violation.field): \(violation.description_p)"
        }
        return text
    }

    // MARK: Helpers

    /// One field is wrong; the message names it, and `details` carries it for programs.
    public static func invalidArgument(field: String, _ description: String) -> RPCError {
        var violation = Herald_V1_FieldViolation()
        violation.field = field
        violation.description_p = description
        return RPCError(code: .invalidArgument, message: "\(field): \(description)", details: [violation])
    }

    public static func invalidArgument(_ message: String, details: [Herald_V1_FieldViolation] = []) -> RPCError {
        RPCError(code: .invalidArgument, message: message, details: details)
    }

    public static func notFound(_ message: String) -> RPCError { RPCError(code: .notFound, message: message) }
    public static func alreadyExists(_ message: String) -> RPCError { RPCError(code: .alreadyExists, message: message) }
    public static func failedPrecondition(_ message: String) -> RPCError { RPCError(code: .failedPrecondition, message: message) }
    public static func permissionDenied(_ message: String) -> RPCError { RPCError(code: .permissionDenied, message: message) }
    public static func unauthenticated(_ message: String) -> RPCError { RPCError(code: .unauthenticated, message: message) }
    public static func resourceExhausted(_ message: String) -> RPCError { RPCError(code: .resourceExhausted, message: message) }
    public static func unimplemented(_ message: String) -> RPCError { RPCError(code: .unimplemented, message: message) }
    public static func deadlineExceeded(_ message: String) -> RPCError { RPCError(code: .deadlineExceeded, message: message) }
    public static func unavailable(_ message: String) -> RPCError { RPCError(code: .unavailable, message: message) }
    public static func cancelled(_ message: String) -> RPCError { RPCError(code: .cancelled, message: message) }
    public static func `internal`(_ message: String) -> RPCError { RPCError(code: .internal, message: message) }
}

extension Herald_V1_StatusCode {
    /// gRPC's spelling, e.g. `NOT_FOUND`, for messages and logs.
    public var name: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        case .UNRECOGNIZED(let value): "STATUS_\(value)"
        }
    }
}
