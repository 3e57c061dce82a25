import Foundation
import HeraldProto

/// What the core accepts of a worker's `Report`: receipts it can store, the
/// worker's provider where a receipt names none, free text cut to the
/// ReminderLog's limits (as ``Herald_V1_Result/bounded``), at most
/// ``maxReceipts`` per report. Receipts that cannot be about a sent message
/// (no message id, no status) are left out and counted.
extension Herald_V1_Report {
    static let maxReceipts = 1000

    /// The receipts to store, and how many were left out.
    func receipts(provider defaultProvider: String, receivedAt: Date) -> (receipts: [DeliveryReceipt], refused: Int) {
        var accepted: [DeliveryReceipt] = []
        var refused = max(0, receipts.count - Self.maxReceipts)
        for receipt in receipts.prefix(Self.maxReceipts) {
            let status: DeliveryStatus? =
                switch receipt.status {
                case .sent: .sent
                case .undelivered: .undelivered
                case .delivered: .delivered
                case .read: .read
                case .unspecified, .UNRECOGNIZED: nil
                }
            let messageID = receipt.providerMessageID
            guard let status, !messageID.isEmpty, messageID.count <= Herald_V1_Result.maxProviderMessageID else {
                refused += 1
                continue
            }
            let provider = receipt.provider.isEmpty ? defaultProvider : String(receipt.provider.prefix(Herald_V1_Result.maxProvider))
            accepted.append(DeliveryReceipt(
                provider: provider, providerMessageID: messageID,
                jobID: receipt.deliveryID.isEmpty ? nil : String(receipt.deliveryID.prefix(Herald_V1_Result.maxDeliveryID)),
                status: status,
                providerStatus: receipt.providerStatus.isEmpty ? nil : String(receipt.providerStatus.prefix(64)),
                occurredAt: receipt.occurredAtMs > 0 ? Date(timeIntervalSince1970: TimeInterval(receipt.occurredAtMs) / 1000) : nil,
                errorCode: receipt.errorCode.isEmpty ? nil : String(receipt.errorCode.prefix(Herald_V1_Result.maxErrorCode)),
                error: receipt.errorMessage.isEmpty ? nil : String(receipt.errorMessage.prefix(Herald_V1_Result.maxErrorMessage)),
                receivedAt: receivedAt,
                optedOut: receipt.recipientGone ? (receipt.followUpsOnly ? .followUps : .all) : nil))
        }
        return (accepted, refused)
    }
}

extension Herald_V1_Report {
    /// The customers' messages to store, of a worker of `channel`, and how many were
    /// left out (no sender, or a sender that is not an E.164 number, as bookings keep them).
    func inbound(channel: String, provider defaultProvider: String, receivedAt: Date) -> (messages: [InboundMessage], refused: Int) {
        var accepted: [InboundMessage] = []
        var refused = max(0, inbound.count - Self.maxReceipts)
        for message in inbound.prefix(Self.maxReceipts) {
            let from = message.from
            guard FieldValidator.isE164(from) else {
                refused += 1
                continue
            }
            accepted.append(InboundMessage(
                channel: channel,
                provider: message.provider.isEmpty ? defaultProvider : String(message.provider.prefix(Herald_V1_Result.maxProvider)),
                providerMessageID: String(message.providerMessageID.prefix(Herald_V1_Result.maxProviderMessageID)),
                from: from, text: String(message.text.prefix(1600)),
                optOutType: message.optOutType.isEmpty ? nil : String(message.optOutType.prefix(20)),
                receivedAt: message.receivedAtMs > 0 ? Date(timeIntervalSince1970: TimeInterval(message.receivedAtMs) / 1000) : receivedAt))
        }
        return (accepted, refused)
    }
}

/// A receipt kept for a second try (see ``DispatchState/parkedReceipts``).
struct ParkedReceipt {
    let receipt: DeliveryReceipt
    let channel: String
    let peer: Data
    let retryAt: Date
}

/// A worker's report waiting to be stored, then acknowledged to its sender.
struct PendingReport {
    let peer: Data
    let reportID: UInt64
    let channel: String
    let receipts: [DeliveryReceipt]
    let inbound: [InboundMessage]
}
