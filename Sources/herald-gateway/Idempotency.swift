import Crypto
import Foundation
import HeraldProto
import Hummingbird

/// `Idempotency-Key` on POST: a retried create answers what the first one did.
///
/// The answers are kept by the core (`ClaimIdempotencyKey` / `FinishIdempotencyKey`),
/// per API key, for 24 hours, so a retry gets the first answer even through a
/// restart of the gateway, or from another gateway instance. A key reused with a
/// different request answers 422; a retry while the first is still running answers
/// 409. Server errors (5xx) are not kept, so those requests can be retried.
struct Idempotency: Sendable {
    let core: CoreClient

    /// Runs `work` once per key, or answers what it answered before (marked `Idempotent-Replayed: true`).
    func run(
        scope: String, key: String, request: Request, body: Data, _ work: () async throws -> Reply
    ) async throws -> Reply {
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw Problem.badRequest(field: "Idempotency-Key", "Idempotency-Key: 1 to 255 characters")
        }
        let claim = try await core.admin.claimIdempotencyKey(Herald_V1_ClaimIdempotencyKeyRequest.with {
            $0.scope = scope
            $0.key = key
            $0.fingerprint = Self.fingerprint(request, body: body)
        })
        switch claim.state {
        case .replay:
            var reply = Reply(
                status: .init(code: Int(claim.answer.status)), body: claim.answer.body, contentType: claim.answer.contentType,
                location: claim.answer.location.isEmpty ? nil : claim.answer.location)
            reply.replayed = true
            return reply
        case .inFlight:
            throw Problem(.conflict, code: "ABORTED", "a request with this Idempotency-Key is still being processed; retry later")
        case .mismatch:
            throw Problem(
                .unprocessableContent, code: "INVALID_ARGUMENT", "this Idempotency-Key was used with a different request",
                errors: [.init(field: "Idempotency-Key", "used with a different request")])
        case .first, .unspecified, .UNRECOGNIZED:
            break
        }
        let reply: Reply
        do {
            reply = try await work()
        } catch {
            let problem = Problem.from(error)
            let keep = problem.status.code < 500
            try? await finish(scope, key, keep ? Reply(status: problem.status, body: problem.body, contentType: "application/problem+json") : nil)
            throw problem
        }
        try? await finish(scope, key, reply)
        return reply
    }

    private func finish(_ scope: String, _ key: String, _ reply: Reply?) async throws {
        _ = try await core.admin.finishIdempotencyKey(Herald_V1_FinishIdempotencyKeyRequest.with {
            $0.scope = scope
            $0.key = key
            if let reply {
                $0.answer = .with {
                    $0.status = UInt32(reply.status.code)
                    $0.body = reply.body
                    $0.contentType = reply.contentType
                    $0.location = reply.location ?? ""
                }
            }
        })
    }

    /// SHA-256 of method, path and the body as canonical JSON (sorted keys), so a
    /// retry that orders its keys differently is still the same request.
    static func fingerprint(_ request: Request, body: Data) -> String {
        let canonical = (try? JSONBody(body).canonical) ?? body
        var hash = SHA256()
        hash.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hash.update(data: canonical)
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
