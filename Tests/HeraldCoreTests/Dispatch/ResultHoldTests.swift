import Testing

@testable import HeraldCore

/// When the loop lets results wait for the turn it makes anyway.
@Suite("result hold")
struct ResultHoldTests {
    let hold = ResultHold(maximum: .milliseconds(2), enough: 64)

    @Test func resultsWaitForADeadlineThatComesSoon() {
        #expect(hold.wait(pending: 1, urgent: false, untilDeadline: .microseconds(900), held: .zero) == .microseconds(900))
    }

    @Test func resultsWaitAtMostTheMaximumInAll() {
        #expect(hold.wait(pending: 3, urgent: false, untilDeadline: .seconds(5), held: .zero) == .milliseconds(2))
        #expect(hold.wait(pending: 3, urgent: false, untilDeadline: nil, held: .microseconds(1500)) == .microseconds(500))
        #expect(hold.wait(pending: 3, urgent: false, untilDeadline: nil, held: .milliseconds(2)) == nil)
    }

    @Test func aTurnIsMadeAtOnceWhenItIsNeededAnyway() {
        // Nothing to hold.
        #expect(hold.wait(pending: 0, urgent: false, untilDeadline: .seconds(1), held: .zero) == nil)
        // A worker came or went, a booking write planned jobs, the store failed.
        #expect(hold.wait(pending: 1, urgent: true, untilDeadline: .seconds(1), held: .zero) == nil)
        // Due work is waiting.
        #expect(hold.wait(pending: 1, urgent: false, untilDeadline: .zero, held: .zero) == nil)
        #expect(hold.wait(pending: 1, urgent: false, untilDeadline: .milliseconds(-5), held: .zero) == nil)
        // Enough results make a batch already.
        #expect(hold.wait(pending: 64, urgent: false, untilDeadline: .seconds(1), held: .zero) == nil)
        // A wait too short to be worth a timer.
        #expect(hold.wait(pending: 1, urgent: false, untilDeadline: .microseconds(150), held: .zero) == nil)
    }
}
