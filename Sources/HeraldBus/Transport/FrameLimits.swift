/// The largest frame each Herald socket accepts (`ZMQ_MAXMSGSIZE`), in one place.
///
/// Every socket that receives sets one, clients included: without it libzmq
/// allocates whatever length a peer announces, so a hostile core (or anything
/// listening where a client expects the core) could exhaust a client's memory.
/// A frame over the limit makes libzmq close that connection; nothing of it
/// reaches Herald's code. Each limit is the largest legitimate message with a
/// wide margin, not a tuning knob.
public enum FrameLimits {
    /// What the core accepts on its ROUTER endpoints: a request or a worker's
    /// message is a few fields of bounded strings.
    public static let core: Int64 = 1 << 20
    /// What the core's PUB accepts from a subscriber: a subscription, one byte
    /// and a topic prefix such as `delivery.failed`.
    public static let subscription: Int64 = 4 << 10
    /// What a channel worker accepts from the core: one `Delivery`, whose rendered
    /// message is bounded by the template limits (500 + 20 000 + 100 000
    /// characters, at most 4 bytes each) plus a webhook body.
    public static let delivery: Int64 = 4 << 20
    /// What an RPC client accepts: a page of up to 1000 bookings, events or log
    /// rows, or an idempotency answer of up to 1 MiB.
    public static let rpcResponse: Int64 = 16 << 20
    /// What an event subscriber accepts: one `BookingEvent` or `DeliveryEvent`
    /// (a booking or a ReminderLog row of bounded fields).
    public static let event: Int64 = 1 << 20
}
