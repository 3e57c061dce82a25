import Foundation
import Testing

@testable import HeraldCore

@Suite struct PeerRateLimiterTests {
    let start = ContinuousClock.now
    let peer = Data([1])

    @Test func aPeerGetsItsBurstThenItsRate() {
        var limiter = PeerRateLimiter(burst: 3, perSecond: 2)
        let burst = (0..<5).map { _ in limiter.admit(peer, now: start) }
        #expect(burst == [true, true, true, false, false])
        // Half a second buys one more; another peer is not affected.
        let later = (0..<2).map { _ in limiter.admit(peer, now: start + .milliseconds(500)) }
        #expect(later == [true, false])
        let other = limiter.admit(Data([2]), now: start)
        #expect(other)
        // Idle long enough, it has its full burst again, never more.
        let rested = (0..<4).map { _ in limiter.admit(peer, now: start + .seconds(60)) }
        #expect(rested == [true, true, true, false])
    }

    @Test func theTableOfPeersIsBounded() {
        var limiter = PeerRateLimiter(burst: 2, perSecond: 1, maxPeers: 3)
        for index in 0..<100 {
            _ = limiter.admit(Data([UInt8(index)]), now: start)
            #expect(limiter.trackedPeers <= 3)
        }
    }
}
