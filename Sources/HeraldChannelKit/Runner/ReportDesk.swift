import Foundation
import Synchronization

/// Where a provider callback waits for the core's answer to the `Report` it
/// became: the callback listener's side of ``ChannelRunner/report(_:timeout:)``.
///
/// Each report gets an id and a waiter; the runner's loop sends it and resolves
/// the waiter when the core acknowledges it (``ReportOutcome/stored``), when it
/// cannot send it or loses the connection it went out on
/// (``ReportOutcome/coreUnavailable``). A waiter not resolved within its timeout
/// resolves itself (``ReportOutcome/timedOut``). Whichever comes first wins; the
/// others find nothing to resolve.
final class ReportDesk: Sendable {
    private struct State {
        var nextID: UInt64 = 1
        var waiters: [UInt64: CheckedContinuation<ReportOutcome, Never>] = [:]
    }

    private let state = Mutex(State())
    /// Provider callbacks the listener refused (bad signatures) since the last heartbeat.
    private let refusedCallbacks = Atomic<UInt64>(0)

    /// Waits for the outcome of a report; `send` hands its id to the loop.
    func submit(timeout: Duration, send: (UInt64) -> Bool) async -> ReportOutcome {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withCheckedContinuation { continuation in
            state.withLock { $0.waiters[id] = continuation }
            guard send(id) else {
                resolve(id, .coreUnavailable)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.resolve(id, .timedOut)
            }
        }
    }

    func resolve(_ id: UInt64, _ outcome: ReportOutcome) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: outcome)
    }

    func countRefusedCallback() {
        refusedCallbacks.add(1, ordering: .relaxed)
    }

    /// The refusals since the last call, for the next heartbeat.
    func takeRefusedCallbacks() -> UInt64 {
        refusedCallbacks.exchange(0, ordering: .relaxed)
    }
}

/// What became of a report forwarded to the core.
public enum ReportOutcome: Sendable, Equatable {
    /// The core stored it (or found it is about nothing it knows): answer the provider 2xx.
    case stored
    /// No core is connected, or the connection was lost with the report on it:
    /// answer 503 so the provider tries again.
    case coreUnavailable
    /// The core did not answer in time: answer 503 as well.
    case timedOut
}
