import Foundation
import Logging
import Synchronization

/// Looks ahead in the queues of paced senders that have more due than their rate lets
/// out, every few seconds: a message the rate will hold past its deadline
/// (``PacingForecast``) is logged and counted once, when that becomes certain, instead
/// of being found `missed` when its turn comes. It changes nothing: the send-time
/// check still decides when the job's turn comes.
final class PacingWatch: Sendable {
    struct Sender: Sendable, Equatable {
        /// Its bucket (``Pacer/key(pool:account:)``), as the metric names it.
        var key: String
        var channel: String
        /// As jobs name it ("" the default).
        var account: String
    }

    /// How often the queues are looked at, at most.
    static let interval: TimeInterval = 5
    /// How far into a sender's queue: beyond, nothing is forecast.
    static let lookahead = 5000

    private struct State {
        var running = false
        var lastRun: Date?
        /// The jobs already reported late, per sender (only those still late stay).
        var reported: [String: Set<String>] = [:]
    }

    private let state = Mutex(State())
    private let store: any DispatchStore
    private let check: SendTimeCheck
    private let metrics: HeraldMetrics
    private let logger: Logger

    init(store: any DispatchStore, check: SendTimeCheck, metrics: HeraldMetrics, logger: Logger) {
        self.store = store
        self.check = check
        self.metrics = metrics
        self.logger = logger
    }

    /// Starts a look at the senders that wait unless one runs or the last began less
    /// than ``interval`` ago. `pacer` is the buckets as of `now` (a copy).
    func lookIfDue(now: Date, pacer: Pacer, senders: () -> [Sender]) {
        let start = state.withLock { state -> Bool in
            guard !state.running, state.lastRun.map({ now.timeIntervalSince($0) >= Self.interval }) ?? true else { return false }
            state.running = true
            state.lastRun = now
            return true
        }
        guard start else { return }
        let senders = senders()
        state.withLock { state in
            // Senders no longer waiting start afresh when they wait again.
            state.reported = state.reported.filter { key, _ in senders.contains { $0.key == key } }
        }
        Task {
            defer { state.withLock { $0.running = false } }
            for sender in senders {
                do {
                    try await look(at: sender, pacer: pacer, now: now)
                } catch {
                    logger.debug("cannot look ahead in a paced sender's queue", metadata: ["sender": "\(sender.key)", "error": "\(error)"])
                }
            }
        }
    }

    /// Looks at one sender's queue now (what ``lookIfDue(at:pacer:now:)`` runs); returns
    /// the jobs found late for the first time.
    @discardableResult
    func look(at sender: Sender, pacer: Pacer, now: Date) async throws -> [PacingForecast.Late] {
        let jobs = try await store.dueJobTimings(channel: sender.channel, account: sender.account, now: now, limit: Self.lookahead)
        let late = PacingForecast.late(jobs, check: check) { pacer.earliest($0, of: sender.key, now: now) ?? now }
        let fresh = state.withLock { state -> [PacingForecast.Late] in
            let known = state.reported[sender.key] ?? []
            state.reported[sender.key] = Set(late.map(\.job.id))
            return late.filter { !known.contains($0.job.id) }
        }
        guard let first = fresh.first else { return [] }
        metrics.recordPacedPastDeadline(sender: sender.key, count: fresh.count)
        logger.warning("pacing will hold due messages past their deadline; they will be missed", metadata: [
            "sender": "\(sender.key)", "messages": "\(fresh.count)", "queue": "\(jobs.count)",
            "first_tenant": "\(first.job.tenantID)", "first_booking": "\(first.job.bookingID)",
            "first_kind": "\(first.job.kind.rawValue)", "first_deadline": "\(Timestamp.format(first.deadline))",
            "first_expected": "\(Timestamp.format(first.expectedAt))",
        ])
        return fresh
    }
}
