import Foundation
import HeraldBus
import HeraldProto

/// The channel endpoint's door: turns frames into worker messages and keeps a
/// flooding peer from waking the dispatcher's loop.
///
/// A frame that is not a `WorkerMessage` is dropped and counted by the endpoint.
/// `Register`, `Heartbeat` and `Goodbye` cost a token from the peer's budget:
/// the protocol needs one heartbeat per interval and one registration per
/// connection, so a peer sending them much faster is broken or hostile, and
/// what it sends over budget is dropped here, before it costs the loop a turn
/// (store reads, a log line, a reply). Results and reports are not limited here:
/// a worker may answer thousands of deliveries at once, and forwards every
/// receipt its provider calls back with; whether a result is for a delivery the
/// sender holds is known only to the loop.
struct ChannelIntake {
    private let endpoint: RouterEndpoint
    private let refusals: ChannelRefusals
    private var control: PeerRateLimiter

    /// A burst of 20, then 4 per heartbeat interval (at least 1 per second):
    /// several times what a well-behaved worker sends.
    init(endpoint: RouterEndpoint, refusals: ChannelRefusals, heartbeatInterval: TimeInterval) {
        self.endpoint = endpoint
        self.refusals = refusals
        self.control = PeerRateLimiter(burst: 20, perSecond: max(1, 4 / max(heartbeatInterval, 0.001)))
    }

    /// The message's body, or nil when it was dropped (and counted).
    mutating func admit(_ received: RouterMessage, now: ContinuousClock.Instant = .now) -> Herald_V1_WorkerMessage.OneOf_Body? {
        guard let message = try? Herald_V1_WorkerMessage(serializedBytes: received.payload), let body = message.body else {
            endpoint.drop(received, reason: "not a herald.v1.WorkerMessage")
            return nil
        }
        switch body {
        case .result, .report: return body
        default: break
        }
        guard control.admit(received.peer, now: now) else {
            refusals.refuse(.rateLimited, peer: received.peer, "control messages faster than the protocol allows")
            return nil
        }
        return body
    }
}
