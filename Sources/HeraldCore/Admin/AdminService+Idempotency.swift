import Foundation
import HeraldProto

extension AdminService {
    /// How long an answer is kept for retries.
    static let idempotencyLifetime: TimeInterval = 24 * 3600
    /// A claim not finished after this long is taken to be abandoned (its front end died).
    static let idempotencyClaimTimeout: TimeInterval = 60

    public func claimIdempotencyKey(
        _ request: Herald_V1_ClaimIdempotencyKeyRequest
    ) async throws(AdminError) -> Herald_V1_ClaimIdempotencyKeyResponse {
        try Self.validateIdempotencyKey(scope: request.scope, key: request.key, fingerprint: request.fingerprint)
        let now = clock.now()
        let claim = try await storing {
            try await store.claimIdempotencyKey(
                scope: request.scope, key: request.key, fingerprint: request.fingerprint, now: now,
                expiredBefore: now.addingTimeInterval(-Self.idempotencyLifetime),
                abandonedBefore: now.addingTimeInterval(-Self.idempotencyClaimTimeout))
        }
        return .with {
            switch claim {
            case .first: $0.state = .first
            case .inFlight: $0.state = .inFlight
            case .mismatch: $0.state = .mismatch
            case .replay(let answer):
                $0.state = .replay
                $0.answer = .with {
                    $0.status = UInt32(clamping: answer.status)
                    $0.body = answer.body
                    $0.contentType = answer.contentType
                    $0.location = answer.location
                }
            }
        }
    }

    public func finishIdempotencyKey(
        _ request: Herald_V1_FinishIdempotencyKeyRequest
    ) async throws(AdminError) -> Herald_V1_FinishIdempotencyKeyResponse {
        try Self.validateIdempotencyKey(scope: request.scope, key: request.key, fingerprint: nil)
        var answer: IdempotentAnswer?
        if request.hasAnswer {
            var validator = FieldValidator()
            if !(100...599).contains(request.answer.status) { validator.fail("answer.status", "must be an HTTP status, 100-599") }
            // Half the admin endpoint's 1 MiB frame limit, so the request carrying it always fits.
            if request.answer.body.count > 512 << 10 { validator.fail("answer.body", "at most 512 KiB") }
            try validator.finish()
            answer = IdempotentAnswer(
                status: Int(request.answer.status), body: request.answer.body, contentType: request.answer.contentType,
                location: request.answer.location)
        }
        try await storing { try await store.finishIdempotencyKey(scope: request.scope, key: request.key, answer: answer) }
        return .init()
    }

    private static func validateIdempotencyKey(scope: String, key: String, fingerprint: String?) throws(AdminError) {
        var validator = FieldValidator()
        if scope.isEmpty || scope.count > 200 { validator.fail("scope", "1 to 200 characters") }
        if key.isEmpty || key.utf8.count > 255 { validator.fail("key", "1 to 255 characters") }
        if let fingerprint, fingerprint.isEmpty || fingerprint.count > 128 { validator.fail("fingerprint", "1 to 128 characters") }
        try validator.finish()
    }
}
