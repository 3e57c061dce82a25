import Foundation

/// A token bucket per peer: `burst` messages at once, then `perSecond`.
///
/// Keyed by ROUTER identity, so one connection's flood cannot spend another's
/// budget. The table is bounded: peers whose bucket has refilled are forgotten
/// (a new bucket would be full too), and if `maxPeers` are all mid-flood the
/// table starts over, which at worst grants each of them one more burst.
struct PeerRateLimiter {
    let burst: Double
    let perSecond: Double
    let maxPeers: Int
    private var buckets: [Data: Bucket] = [:]

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    init(burst: Int, perSecond: Double, maxPeers: Int = 10_000) {
        self.burst = Double(burst)
        self.perSecond = perSecond
        self.maxPeers = maxPeers
    }

    /// Takes one token from `peer`'s bucket; false when it has none left.
    mutating func admit(_ peer: Data, now: ContinuousClock.Instant = .now) -> Bool {
        if buckets[peer] == nil, buckets.count >= maxPeers { forgetRefilled(now: now) }
        var bucket = buckets[peer] ?? Bucket(tokens: burst, updated: now)
        bucket.tokens = refilled(bucket, now: now)
        bucket.updated = now
        let admitted = bucket.tokens >= 1
        if admitted { bucket.tokens -= 1 }
        buckets[peer] = bucket
        return admitted
    }

    /// Peers with a bucket; for tests of the bound.
    var trackedPeers: Int { buckets.count }

    private func refilled(_ bucket: Bucket, now: ContinuousClock.Instant) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, bucket.tokens + max(0, seconds) * perSecond)
    }

    private mutating func forgetRefilled(now: ContinuousClock.Instant) {
        buckets = buckets.filter { refilled($0.value, now: now) < burst }
        if buckets.count >= maxPeers { buckets.removeAll() }
    }
}
