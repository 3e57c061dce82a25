import Synchronization

/// The deadlines of the requests an ``RPCServer`` has in flight, watched by one task.
///
/// Each request waits for its deadline beside its handler. A `Task.sleep` per request
/// armed a timer on the dispatch manager thread for every call (30 s ahead by default)
/// and a wake-up of that thread to arm it: in a profile of booking ingest about 7 % of
/// the core's CPU went to timers that almost never fired. Here the requests register
/// their deadlines, and ``watch()`` sleeps until the earliest one, so a busy server
/// arms a timer about once per default timeout and an idle one none at all.
///
/// A deadline earlier than the one the watcher sleeps until (a request with a short
/// `timeout_ms`) wakes it to sleep again, shorter.
final class RPCDeadlines: Sendable {
    private struct Waiter {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        /// When the watcher wakes next by itself; nil while it waits for a deadline to watch.
        var target: ContinuousClock.Instant?
        /// The watcher waiting to be told of an earlier deadline.
        var rearm: CheckedContinuation<Void, Never>?
        /// An earlier deadline arrived while the watcher was not waiting in ``rearm``.
        var rearmRequested = false
    }

    private let state = Mutex(State())

    /// Returns true once `deadline` has passed, or false as soon as the calling task
    /// is cancelled (its handler answered first).
    func wait(until deadline: ContinuousClock.Instant) async -> Bool {
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (answer, rearm) = state.withLock { state -> (Bool?, CheckedContinuation<Void, Never>?) in
                    // Checked under the lock `onCancel` takes: a cancellation is seen here or
                    // finds the waiter registered, never neither.
                    if Task.isCancelled { return (false, nil) }
                    state.waiters[id] = Waiter(deadline: deadline, continuation: continuation)
                    guard state.target.map({ deadline < $0 }) ?? true else { return (nil, nil) }
                    defer { state.rearm = nil }
                    if state.rearm == nil { state.rearmRequested = true }
                    return (nil, state.rearm)
                }
                if let answer { continuation.resume(returning: answer) }
                rearm?.resume()
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Answers deadlines as they pass, until cancelled.
    func watch() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (expired, target) = state.withLock { state in
                let expired = state.waiters.filter { $0.value.deadline <= now }
                for id in expired.keys { state.waiters.removeValue(forKey: id) }
                // With nothing in flight, keep the target already slept towards: the next
                // request's deadline (as long or longer) then needs no new timer.
                let earliest = state.waiters.values.map(\.deadline).min()
                state.target = earliest ?? state.target.flatMap { $0 > now ? $0 : nil }
                return (expired.values, state.target)
            }
            for waiter in expired { waiter.continuation.resume(returning: true) }
            if let target {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(until: target, clock: .continuous) }
                    group.addTask { await self.waitForEarlierDeadline() }
                    _ = await group.next()
                    group.cancelAll()
                }
            } else {
                await waitForEarlierDeadline()
            }
        }
        // Stopped: nothing is watched any more, so no waiter may be left hanging.
        let left = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters.values
        }
        for waiter in left { waiter.continuation.resume(returning: false) }
    }

    private func waitForEarlierDeadline() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.rearmRequested || Task.isCancelled {
                        state.rearmRequested = false
                        return true
                    }
                    state.rearm = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let rearm = state.withLock { state in
                defer { state.rearm = nil }
                return state.rearm
            }
            rearm?.resume()
        }
    }
}
