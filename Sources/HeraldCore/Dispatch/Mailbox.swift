import Foundation
import Synchronization

/// Where the dispatcher's inputs wait for its loop: messages from workers and
/// "something changed" nudges from writes.
///
/// Posting never blocks. The loop drains everything that arrived at once (so
/// a burst of results becomes one transaction) and otherwise waits until the
/// next post or its own deadline, whichever comes first.
final class Mailbox<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var nudged = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func post(_ item: Item) {
        let waiter = state.withLock { state in
            state.items.append(item)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Wakes the loop without an item (a write planned jobs, a clock moved).
    func nudge() {
        let waiter = state.withLock { state in
            state.nudged = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Everything posted since the last drain, oldest first.
    func drain() -> [Item] { take().items }

    /// Everything posted since the last drain, oldest first, and whether a nudge came.
    func take() -> (items: [Item], nudged: Bool) {
        state.withLock { state in
            defer {
                state.items.removeAll(keepingCapacity: true)
                state.nudged = false
            }
            return (state.items, state.nudged)
        }
    }

    /// Returns when an item or a nudge arrives, when `sleep` returns, or on cancellation.
    ///
    /// - Parameter sleep: sleeps until the loop's next deadline; nil: no deadline.
    func wait(sleep: (@Sendable () async -> Void)?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForPost() }
            if let sleep { group.addTask { await sleep() } }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func waitForPost() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if !state.items.isEmpty || state.nudged || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
