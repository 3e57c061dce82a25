import HeraldProto

/// An error the admin service answers with: a gRPC status code, a sentence for
/// a person and, for bad input, every field at fault.
///
/// It stays free of any transport; `heraldd` turns it into the RPC status.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Herald_V1_StatusCode
    public var message: String
    public var violations: [FieldViolation]

    public struct FieldViolation: Sendable, Equatable {
        public var field: String
        public var description: String

        public init(field: String, description: String) {
            self.field = field
            self.description = description
        }
    }

    public init(code: Herald_V1_StatusCode, message: String, violations: [FieldViolation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    public var description: String { message }

    /// One or more fields are malformed; the message names each of them.
    public static func invalidArgument(_ violations: [FieldViolation]) -> AdminError {
        let message = violations.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        return AdminError(code: .invalidArgument, message: message, violations: violations)
    }

    public static func invalidArgument(field: String, _ description: String) -> AdminError {
        invalidArgument([FieldViolation(field: field, description: description)])
    }

    public static func notFound(field: String, _ description: String) -> AdminError {
        AdminError(
            code: .notFound, message: "\(field): \(description)",
            violations: [FieldViolation(field: field, description: description)])
    }

    public static func alreadyExists(field: String, _ description: String) -> AdminError {
        AdminError(
            code: .alreadyExists, message: "\(field): \(description)",
            violations: [FieldViolation(field: field, description: description)])
    }

    public static func failedPrecondition(_ message: String) -> AdminError {
        AdminError(code: .failedPrecondition, message: message)
    }
}

extension AdminError {
    /// What a store failure means to the caller. The service checks references
    /// before writing, so these mostly catch races between two writers.
    init(storeError: StoreError) {
        switch storeError {
        case .notFound(let entity, let id):
            self = .notFound(field: Self.field(of: entity), "no \(Self.name(of: entity)) \"\(id)\"")
        case .alreadyExists(let entity, let id):
            self = .alreadyExists(field: "id", "a \(Self.name(of: entity)) \"\(id)\" already exists")
        case .conflict(let message):
            self = AdminError(code: .aborted, message: "changed concurrently, read it again and retry (\(message))")
        case .unavailable(let problem):
            self = AdminError(
                code: .unavailable,
                message: "\(problem); nothing was changed, try again once it can be written (reads still work)")
        case .underlying:
            self = AdminError(code: .internal, message: "the store failed; see the core's log")
        }
    }

    private static func name(of entity: String) -> String {
        switch entity {
        case StoreEntity.eventType: "event type"
        case StoreEntity.webhook: "webhook"
        case StoreEntity.teamDestination: "team destination"
        case StoreEntity.settings: "settings"
        default: entity
        }
    }

    private static func field(of entity: String) -> String {
        switch entity {
        case StoreEntity.tenant: "tenant_id"
        case StoreEntity.eventType: "event_type_id"
        default: "id"
        }
    }
}
