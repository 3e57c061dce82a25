import Foundation

/// Whether the loop commits the results it holds now, or waits a little for
/// the next turn it has to make anyway.
///
/// A turn is one transaction; a reminder that falls due alone would otherwise
/// cost two (hand it out, then commit its result a moment later). When nothing
/// but results (and heartbeats) arrived, the results wait for the loop's next
/// deadline (the next due job, usually) if that comes within `maximum`, and
/// otherwise for at most `maximum` of real time: both then share one turn. A
/// worker's credit is freed when its result arrives, so holding a result delays
/// nothing but its commit; what is due is handed out at its time.
///
/// The hold is measured in real time (the injected clock is for schedules, and a
/// test's manual clock may stand still), and a crash loses at most the results of
/// one hold: their jobs stay leased and are handed out again after the restart, as
/// any uncommitted result's are.
struct ResultHold: Equatable {
    /// The longest a result waits for its commit.
    var maximum: Duration = .milliseconds(2)
    /// So many waiting results are committed at once: they make a batch already.
    var enough = 64

    /// How long to wait before the next turn; nil to turn now.
    /// - Parameters:
    ///   - pending: results not yet committed.
    ///   - urgent: something other than results and heartbeats arrived (a worker came
    ///     or went, a booking write planned jobs), or the store failed last time.
    ///   - untilDeadline: how long until the loop's next deadline (nil: none).
    ///   - held: how long the oldest pending result has already waited.
    func wait(pending: Int, urgent: Bool, untilDeadline: Duration?, held: Duration) -> Duration? {
        guard pending > 0, !urgent, pending < enough else { return nil }
        let left = min(maximum - held, untilDeadline ?? maximum)
        // Shorter waits cost more in timers than the turn they would save.
        return left >= .microseconds(200) ? left : nil
    }
}
