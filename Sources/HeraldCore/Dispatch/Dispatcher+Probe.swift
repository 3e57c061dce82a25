import Foundation
import HeraldProto
import Synchronization

/// What became of a probe: a one-off delivery that is not a job (the signed
/// ping of `herald webhook test`), handed straight to a connected worker.
public enum ProbeAnswer: Sendable, Equatable {
    case answered(Herald_V1_Result, elapsed: Duration)
    /// No worker of the channel is connected with free credit.
    case noWorker(channel: String)
    /// The worker left or was taken for dead before answering.
    case workerLeft
    case timedOut
}

extension Dispatcher {
    /// Hands `delivery` to a worker of its channel and waits for the result.
    ///
    /// Probes bypass the store: nothing is leased, retried or logged, so a test
    /// ping can never be mistaken for a notification.
    public func probe(_ delivery: Herald_V1_Delivery, timeout: Duration) async -> ProbeAnswer {
        let once = Mutex(false)
        return await withCheckedContinuation { continuation in
            let reply: @Sendable (ProbeAnswer) -> Void = { answer in
                let first = once.withLock { resumed in
                    defer { resumed = true }
                    return !resumed
                }
                if first { continuation.resume(returning: answer) }
            }
            post(.probe(delivery, reply: reply))
            Task {
                try? await Task.sleep(for: timeout)
                post(.probeTimedOut(deliveryID: delivery.deliveryID))
                reply(.timedOut)
            }
        }
    }
}
