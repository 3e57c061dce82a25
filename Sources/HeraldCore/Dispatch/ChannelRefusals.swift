import Foundation
import HeraldBus
import Logging

/// Counts and logs what the channel endpoint refuses or ignores, with the peer,
/// without letting a flood flood the log (``LogThrottle``).
///
/// Shared by the dispatcher's intake (which polices rates before the loop is
/// woken) and its loop (which checks what messages say).
final class ChannelRefusals: Sendable {
    /// Why a decoded worker message was refused; the `reason` label of
    /// `herald_messages_refused_total`.
    enum Reason: String, Sendable {
        /// A `Register` with fields out of range; answered with `Reject`.
        case invalidRegister = "invalid_register"
        /// A `Heartbeat` or `Goodbye` from a peer that never registered; a heartbeat is answered with `Reject`.
        case notRegistered = "not_registered"
        /// A `Result` with no delivery id, attempt 0 or no outcome.
        case invalidResult = "invalid_result"
        /// Receipts of a `Report` with no message id or status (the rest of the report is kept).
        case invalidReport = "invalid_report"
        /// Over the peer's budget: more control messages (or results for
        /// deliveries it does not hold) than the protocol needs.
        case rateLimited = "rate_limited"
    }

    private let logger: Logger
    private let metrics: HeraldMetrics
    private let throttle = LogThrottle()

    init(logger: Logger, metrics: HeraldMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    func refuse(_ reason: Reason, peer: Data, _ detail: String, metadata: Logger.Metadata = [:]) {
        metrics.recordRefused(endpoint: "channel", reason: reason.rawValue)
        guard let suppressed = throttle.admit(reason.rawValue) else { return }
        logger.warning("refused a worker message", metadata: metadata.merging([
            "reason": "\(reason.rawValue)", "detail": "\(detail)", "peer": "\(peer.hex)", "suppressed": "\(suppressed)",
        ]) { _, new in new })
    }

    /// A result acknowledged and dropped: for a delivery the sender does not hold
    /// now. Mostly late answers after a lease expired, so logged at notice.
    func ignore(deliveryID: String, attempt: Int, reason: String, peer: Data) {
        let label = Self.ignoredLabel(reason)
        metrics.recordIgnoredResult(reason: label)
        guard let suppressed = throttle.admit("ignored " + label) else { return }
        logger.notice("ignored a result", metadata: [
            "delivery": "\(deliveryID)", "attempt": "\(attempt)", "reason": "\(reason)",
            "peer": "\(peer.hex)", "suppressed": "\(suppressed)",
        ])
    }

    /// A receipt about a message no `sent` row has: counted (herald_receipts_total,
    /// result "unknown") and dropped. Normal for messages sent before Herald, or by
    /// another system on the same provider account; logged at info, a few a minute.
    func unknownReceipt(provider: String, messageID: String, peer: Data) {
        guard let suppressed = throttle.admit("unknown receipt") else { return }
        logger.info("dropped a receipt for a message Herald did not send", metadata: [
            "provider": "\(provider)", "provider_message_id": "\(messageID.prefix(200))", "peer": "\(peer.hex)",
            "suppressed": "\(suppressed)",
        ])
    }

    /// The store's reasons carry numbers; the metric's label must not.
    static func ignoredLabel(_ reason: String) -> String {
        let labels = [
            ("unknown delivery", "unknown_delivery"), ("already sent", "finished"), ("superseded", "superseded"),
            ("unknown attempt", "unknown_attempt"), ("not leased", "not_leased"), ("other worker", "other_worker"),
        ]
        return labels.first { reason.hasPrefix($0.0) }?.1 ?? "other"
    }
}
