import Foundation
import HeraldProto

extension AdminService {
    public func listSuppressions(
        _ request: Herald_V1_ListSuppressionsRequest
    ) async throws(AdminError) -> Herald_V1_ListSuppressionsResponse {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let channel = request.channel.isEmpty ? nil : Self.suppressionChannel(request.channel, &validator)
        let limit = request.limit == 0 ? 100 : Int(request.limit)
        if limit > 1000 { validator.fail("limit", "must be at most 1000") }
        try validator.finish()
        let entries = try await storing { try await store.suppressions(tenantID: tenant.id, channel: channel, limit: limit) }
        return .with { $0.suppressions = entries.map(\.proto) }
    }

    public func addSuppression(_ request: Herald_V1_AddSuppressionRequest) async throws(AdminError) -> Herald_V1_Suppression {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let channel = Self.suppressionChannel(request.channel, &validator)
        let recipient = channel.flatMap { Self.suppressionRecipient(request.recipient, on: $0, &validator) }
        let scope = Self.suppressionScope(request.scope, &validator)
        let reason = request.reason.isEmpty ? "added by hand" : validator.text("reason", request.reason, required: true, maxLength: 500)
        try validator.finish()
        guard let channel, let recipient, let scope, let reason else { throw .invalidArgument(validator.violations) }
        let stored = try await storing {
            try await store.addSuppression(Suppression(
                tenantID: tenant.id, channel: channel, recipient: recipient, scope: scope, reason: reason, source: .admin,
                createdAt: clock.now()))
        }
        logger.info("recipient suppressed", metadata: ["tenant": "\(tenant.id)", "channel": "\(channel)", "scope": "\(scope.rawValue)"])
        return stored.proto
    }

    public func removeSuppression(
        _ request: Herald_V1_RemoveSuppressionRequest
    ) async throws(AdminError) -> Herald_V1_RemoveSuppressionResponse {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let channel = Self.suppressionChannel(request.channel, &validator)
        let recipient = channel.flatMap { Self.suppressionRecipient(request.recipient, on: $0, &validator) }
        let scope = Self.suppressionScope(request.scope, &validator)
        try validator.finish()
        guard let channel, let recipient, let scope else { throw .invalidArgument(validator.violations) }
        let removed = try await storing {
            try await store.removeSuppression(tenantID: tenant.id, channel: channel, recipient: recipient, scope: scope)
        }
        if removed {
            logger.info("recipient taken off the suppression list", metadata: ["tenant": "\(tenant.id)", "channel": "\(channel)"])
        }
        return .with { $0.removed = removed }
    }

    static func suppressionChannel(_ value: String, _ validator: inout FieldValidator) -> String? {
        guard Suppression.channels.contains(value) else {
            validator.fail("channel", "\"\(value)\" is not email, sms or whatsapp")
            return nil
        }
        return value
    }

    /// An e-mail address in lower case (how the list compares them), or an E.164 number.
    static func suppressionRecipient(_ value: String, on channel: String, _ validator: inout FieldValidator) -> String? {
        channel == "email" ? validator.email("recipient", value)?.lowercased() : validator.phone("recipient", value)
    }

    static func suppressionScope(_ value: String, _ validator: inout FieldValidator) -> SuppressionScope? {
        if value.isEmpty { return .all }
        guard let scope = SuppressionScope(rawValue: value) else {
            validator.fail("scope", "\"\(value)\" is not all or follow_up")
            return nil
        }
        return scope
    }
}

extension Suppression {
    public var proto: Herald_V1_Suppression {
        .with {
            $0.tenantID = tenantID
            $0.channel = channel
            $0.recipient = recipient
            $0.scope = scope.rawValue
            $0.reason = reason
            $0.source = source.rawValue
            $0.createdAt = Timestamp.format(createdAt)
        }
    }
}
