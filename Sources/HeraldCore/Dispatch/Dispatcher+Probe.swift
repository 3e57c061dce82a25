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

/// A probe handed out and not yet answered.
struct PendingProbe {
    let peer: Data
    let started: ContinuousClock.Instant
    let reply: @Sendable (ProbeAnswer) -> Void
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

extension DispatchLoop {
    func startProbe(_ delivery: Herald_V1_Delivery, reply: @escaping @Sendable (ProbeAnswer) -> Void) {
        guard let worker = workers.values.first(where: { $0.channel == delivery.channel && $0.freeCredit > 0 }) else {
            reply(.noWorker(channel: delivery.channel))
            return
        }
        send(.delivery(delivery), to: worker.peer)
        workers[worker.peer]?.inFlight.insert(delivery.deliveryID)
        probes[delivery.deliveryID] = PendingProbe(peer: worker.peer, started: .now, reply: reply)
    }

    /// Answers the probe this result belongs to; false when it is not a probe's.
    func finishProbe(_ result: Herald_V1_Result, from peer: Data) -> Bool {
        guard let probe = probes[result.deliveryID], probe.peer == peer else { return false }
        probes.removeValue(forKey: result.deliveryID)
        workers[peer]?.inFlight.remove(result.deliveryID)
        probe.reply(.answered(result, elapsed: .now - probe.started))
        return true
    }

    func abandonProbe(_ deliveryID: String) {
        guard let probe = probes.removeValue(forKey: deliveryID) else { return }
        workers[probe.peer]?.inFlight.remove(deliveryID)
    }

    /// The worker is gone: its probes will never be answered.
    func failProbes(of peer: Data) {
        for (id, probe) in probes where probe.peer == peer {
            probes.removeValue(forKey: id)
            probe.reply(.workerLeft)
        }
    }
}
