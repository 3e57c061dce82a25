import HeraldBus
import Testing

@Suite struct LogThrottleTests {
    @Test func aFloodIsLoggedAFewTimesAWindowWithWhatWasHeldBack() {
        let throttle = LogThrottle(limit: 2, per: .seconds(60))
        let start = ContinuousClock.now
        #expect(throttle.admit("flood", now: start) == 0)
        #expect(throttle.admit("flood", now: start) == 0)
        for _ in 0..<100 { #expect(throttle.admit("flood", now: start + .seconds(1)) == nil) }
        // Another reason has a budget of its own.
        #expect(throttle.admit("other", now: start + .seconds(1)) == 0)
        // The next window's first line says how many were held back.
        #expect(throttle.admit("flood", now: start + .seconds(61)) == 100)
        #expect(throttle.admit("flood", now: start + .seconds(61)) == 0)
    }
}
