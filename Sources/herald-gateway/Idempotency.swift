import Crypto
import Foundation
import Hummingbird

/// `Idempotency-Key` on POST: a retried create answers what the first one did.
///
/// Kept in the gateway's memory, per API key, for 24 hours (at most `capacity`
/// keys, oldest dropped first), so it does not survive a restart of the gateway.
/// A key reused with a different request answers 422; a retry while the first is
/// still running answers 409. Server errors (5xx) are not remembered, so they can be retried.
actor IdempotencyStore {
    struct Stored: Sendable {
        var status: HTTPResponse.Status
        var body: Data
        var contentType: String
        var location: String?
    }

    private struct Entry {
        var fingerprint: Data
        var stored: Stored?
        var createdAt: ContinuousClock.Instant
    }

    enum Claim {
        case first
        case replay(Stored)
        case inFlight
        case mismatch
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(24 * 3600), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func claim(_ scope: String, fingerprint: Data) -> Claim {
        let now = ContinuousClock.now
        if let entry = entries[scope], now - entry.createdAt < lifetime {
            guard entry.fingerprint == fingerprint else { return .mismatch }
            return entry.stored.map(Claim.replay) ?? .inFlight
        }
        entries[scope] = Entry(fingerprint: fingerprint, stored: nil, createdAt: now)
        order.append(scope)
        while order.count > capacity {
            entries[order.removeFirst()] = nil
        }
        return .first
    }

    func finish(_ scope: String, with stored: Stored?) {
        if let stored {
            entries[scope]?.stored = stored
        } else {
            entries[scope] = nil
            order.removeAll { $0 == scope }
        }
    }

    static func fingerprint(_ request: Request, body: Data) -> Data {
        var hash = SHA256()
        hash.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hash.update(data: body)
        return Data(hash.finalize())
    }
}
