import Foundation

/// Which due jobs of a paced sender its rate will hold past their deadline (the moment
/// the send-time check misses them: ``SendTimeCheck/deadline(kind:dueAt:notAfter:)``).
///
/// The jobs go out in queue order, one token each. A job that will be too late takes
/// no token (the send-time check misses it without sending), so the ones behind it move
/// up. "Certain" as far as the queue and the rate go now: a booking cancelled ahead of
/// a job, or a higher rate registered, can still let it through.
enum PacingForecast {
    struct Late: Equatable {
        var job: DueJobTiming
        /// The earliest the sender's rate lets it go out.
        var expectedAt: Date
        var deadline: Date
    }

    /// - Parameters:
    ///   - jobs: the sender's due jobs in the order they are leased in.
    ///   - earliest: when the sender's message at a position (0: the next) can go out.
    static func late(_ jobs: [DueJobTiming], check: SendTimeCheck, earliest: (Int) -> Date) -> [Late] {
        var late: [Late] = []
        var position = 0
        for job in jobs {
            let expectedAt = earliest(position)
            if let deadline = check.deadline(kind: job.kind, dueAt: job.dueAt, notAfter: job.notAfter), expectedAt >= deadline {
                late.append(Late(job: job, expectedAt: expectedAt, deadline: deadline))
            } else {
                position += 1
            }
        }
        return late
    }
}
