import Foundation

/// Somewhere a tenant's team hears about its bookings: an address on a channel,
/// such as a chat room's incoming-webhook URL on channel `chat`, or an e-mail
/// address on channel `email`.
///
/// For every booking event it wants, the planner plans one `host_notification`
/// job to it, as it does for an event type's host e-mails. A channel process
/// registered for ``channel`` (a plugin) delivers it; until one is connected
/// the jobs wait in the queue like any other.
public struct TeamDestination: Sendable, Equatable, Codable {
    /// `team_...`.
    public var id: String
    public var tenantID: String
    /// A channel name (see ``ChannelName``): `email` or a custom channel.
    public var channel: String
    /// Where to send on that channel, as the channel understands it: a URL, a
    /// room, an address. The core passes it on unchanged.
    public var recipient: String
    /// Booking event type names (`booking.created`, ...) to be told about; never empty.
    public var eventTypes: [String]
    public var enabled: Bool
    /// Why it was disabled (by an admin, or because its channel said the recipient is gone).
    public var disabledReason: String?
    public var createdAt: Date

    public init(
        id: String,
        tenantID: String,
        channel: String,
        recipient: String,
        eventTypes: [String] = TeamDestination.defaultEventTypes,
        enabled: Bool = true,
        disabledReason: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.channel = channel
        self.recipient = recipient
        self.eventTypes = eventTypes
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
    }

    /// What a destination hears about unless told otherwise: the changes an event
    /// type's host e-mails are sent for.
    public static let defaultEventTypes = [
        BookingEventType.created, .rescheduled, .cancelled,
    ].map(\.rawValue)

    /// Whether an event of this type should be sent to the destination.
    public func wants(_ type: BookingEventType) -> Bool {
        enabled && eventTypes.contains(type.rawValue)
    }
}
