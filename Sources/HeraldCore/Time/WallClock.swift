import Foundation
import Synchronization

/// The clock the core asks for "now", and sleeps on.
///
/// Planner, dispatcher and validation never read the system time themselves, so
/// their tests can run at any instant and move time on without waiting for the
/// wall clock.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` (or soon after), or when the task is cancelled.
    func sleep(until deadline: Date) async
}

/// The real time.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async {
        // Sleeping in slices of at most a minute follows wall-clock jumps
        // (NTP corrections, a suspended VM) instead of oversleeping them.
        while !Task.isCancelled {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return }
            try? await Task.sleep(for: .seconds(min(remaining, 60)))
        }
    }
}

/// A clock that only moves when a test moves it; sleepers wake when it passes their deadline.
public final class ManualWallClock: WallClock {
    private struct State {
        var now: Date
        var sleepers: [(deadline: Date, continuation: CheckedContinuation<Void, Never>, id: UInt64)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(_ start: Date) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date {
        state.withLock { $0.now }
    }

    public func advance(by interval: TimeInterval) {
        set(now().addingTimeInterval(interval))
    }

    public func set(_ date: Date) {
        let due = state.withLock { state in
            state.now = date
            let due = state.sleepers.filter { $0.deadline <= date }
            state.sleepers.removeAll { $0.deadline <= date }
            return due.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    public func sleep(until deadline: Date) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.now >= deadline || Task.isCancelled { return true }
                    state.sleepers.append((deadline, continuation, id))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                let index = state.sleepers.firstIndex { $0.id == id }
                return index.map { state.sleepers.remove(at: $0).continuation }
            }
            sleeper?.resume()
        }
    }
}
