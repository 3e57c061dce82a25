import HeraldProto

/// What the core accepts of a worker's `Result`.
///
/// Checked before anything of it reaches the store: a result that cannot be
/// about a real attempt is refused, and the free text a worker reports is cut
/// to what the ReminderLog and the events stream should carry, so one
/// result of a megabyte cannot become a megabyte row or event.
extension Herald_V1_Result {
    static let maxDeliveryID = 200
    static let maxProvider = 64
    static let maxProviderMessageID = 200
    static let maxErrorCode = 100
    static let maxErrorMessage = 2000

    /// Why the result is impossible, or nil.
    var problem: String? {
        if deliveryID.isEmpty || deliveryID.count > Self.maxDeliveryID {
            return "delivery_id must be 1-\(Self.maxDeliveryID) characters"
        }
        if attempt == 0 { return "attempt must be 1 or more" }
        switch outcome {
        case .sent, .retry, .failed: return nil
        case .unspecified, .UNRECOGNIZED: return "outcome must be SENT, RETRY or FAILED"
        }
    }

    /// The result with its free text cut to the core's limits.
    var bounded: Herald_V1_Result {
        var copy = self
        copy.provider = String(provider.prefix(Self.maxProvider))
        copy.providerMessageID = String(providerMessageID.prefix(Self.maxProviderMessageID))
        copy.errorCode = String(errorCode.prefix(Self.maxErrorCode))
        if errorMessage.count > Self.maxErrorMessage {
            copy.errorMessage = errorMessage.prefix(Self.maxErrorMessage) + "…"
        }
        return copy
    }
}
