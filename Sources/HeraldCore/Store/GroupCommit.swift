import Synchronization

/// Gathers writes that callers make at the same time into batches, so that one
/// transaction commits many of them (group commit), and answers each caller with its
/// own outcome once its batch has committed.
///
/// It knows no database: a store gives it `commit`, which writes one batch in one
/// transaction, each write in its own savepoint (so one that fails rolls back alone),
/// and answers with one outcome per write. ``SQLiteStore`` batches its booking writes
/// this way; a PostgreSQL store can hand it the same kind of function.
///
/// How batches form:
/// - At most one batch is committing at a time. A write that arrives while none is
///   commits at once, alone: nothing waits on a timer to collect company, so an idle
///   store adds no latency.
/// - Writes that arrive while a batch commits queue up; when it has committed, the
///   queued ones (in arrival order, at most ``maxBatchSize``) form the next batch.
///   The busier the store, the larger the batches.
/// - A caller cancelled (its RPC deadline passed) while its write is still queued is
///   answered `CancellationError` and its write is dropped. Once a write is in a batch,
///   cancellation no longer touches it: the batch commits as if the caller were there,
///   and the caller gets the outcome.
public final class GroupCommit<Write: Sendable, Stored: Sendable>: Sendable {
    public typealias Outcome = Result<Stored, any Error>
    /// Writes one batch, in order, in one transaction, and calls `answer` exactly once
    /// with one outcome per write, in the same order. It must return without waiting
    /// for the commit (hand the work to the database's writer) and call `answer` later.
    public typealias Commit = @Sendable (_ writes: [Write], _ answer: @escaping @Sendable ([Outcome]) -> Void) -> Void

    /// What the queue has done since it was made, for tests and diagnostics.
    public struct Statistics: Sendable, Equatable {
        /// Batches handed to `commit` and answered.
        public var batches = 0
        /// Writes in those batches.
        public var writes = 0
        /// The most writes one batch held.
        public var largestBatch = 0
        /// Writes waiting for the batch in progress to finish (not counting it).
        public var queued = 0
        /// Whether a batch is committing now.
        public var committing = false

        public init(batches: Int = 0, writes: Int = 0, largestBatch: Int = 0, queued: Int = 0, committing: Bool = false) {
            self.batches = batches
            self.writes = writes
            self.largestBatch = largestBatch
            self.queued = queued
            self.committing = committing
        }
    }

    /// The most writes one batch holds.
    public let maxBatchSize: Int
    private let commit: Commit
    private let state = Mutex(State())

    private struct Waiter: Sendable {
        var id: UInt64
        var write: Write
        var continuation: CheckedContinuation<Stored, any Error>
    }

    private struct State: Sendable {
        var queue: [Waiter] = []
        var nextID: UInt64 = 0
        var statistics = Statistics()

        /// Takes the next batch off the queue and marks it committing; nil (and no
        /// longer committing) when nothing waits.
        mutating func nextBatch(limit: Int) -> [Waiter]? {
            guard !queue.isEmpty else {
                statistics.committing = false
                return nil
            }
            let count = min(limit, queue.count)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            statistics.queued = queue.count
            statistics.committing = true
            return batch
        }
    }

    public init(maxBatchSize: Int, commit: @escaping Commit) {
        precondition(maxBatchSize > 0, "a batch holds at least one write")
        self.maxBatchSize = maxBatchSize
        self.commit = commit
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Queues `write` and returns what its batch stored for it, or throws its own error,
    /// after the batch has committed (or failed).
    public func submit(_ write: Write) async throws -> Stored {
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Stored, any Error>) in
                let start = state.withLock { state -> [Waiter]?? in
                    // Checked under the lock that `onCancel` takes, so a cancellation is
                    // seen here or finds the write queued, never neither.
                    guard !Task.isCancelled else { return .some(nil) }
                    state.queue.append(Waiter(id: id, write: write, continuation: continuation))
                    state.statistics.queued = state.queue.count
                    guard !state.statistics.committing else { return nil }
                    return .some(state.nextBatch(limit: maxBatchSize))
                }
                switch start {
                case .none: break // Queued behind the batch in progress.
                case .some(.none): continuation.resume(throwing: CancellationError())
                case .some(.some(let batch)): run(batch)
                }
            }
        } onCancel: {
            let dropped = state.withLock { state -> Waiter? in
                guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return nil }
                let waiter = state.queue.remove(at: index)
                state.statistics.queued = state.queue.count
                return waiter
            }
            dropped?.continuation.resume(throwing: CancellationError())
        }
    }

    private func run(_ batch: [Waiter]) {
        commit(batch.map(\.write)) { outcomes in
            self.finish(batch, outcomes)
        }
    }

    private func finish(_ batch: [Waiter], _ outcomes: [Outcome]) {
        precondition(outcomes.count == batch.count, "a batch of \(batch.count) writes answered with \(outcomes.count) outcomes")
        let next = state.withLock { state in
            state.statistics.batches += 1
            state.statistics.writes += batch.count
            state.statistics.largestBatch = max(state.statistics.largestBatch, batch.count)
            return state.nextBatch(limit: maxBatchSize)
        }
        // The next batch starts before these callers go on: it was gathered while this one committed.
        if let next { run(next) }
        for (waiter, outcome) in zip(batch, outcomes) {
            waiter.continuation.resume(with: outcome)
        }
    }
}
