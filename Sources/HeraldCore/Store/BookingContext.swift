/// What validating and planning a booking write needs, read in one snapshot
/// (one round trip to the store instead of one per record).
public struct BookingContext: Sendable, Equatable {
    public var tenant: Tenant
    public var settings: NotificationSettings
    /// The event type asked for, when it exists.
    public var eventType: EventType?
    /// The tenant's webhook subscriptions.
    public var webhooks: [WebhookSubscription]
    /// The tenant's team destinations.
    public var teamDestinations: [TeamDestination]
    /// The booking stored under the id asked for, when it exists (for creates: a duplicate).
    public var booking: Booking?
    /// Whether the tenant has anyone on its suppression list: only then does planning
    /// look the booking's customer up in it.
    public var hasSuppressions: Bool

    public init(
        tenant: Tenant, settings: NotificationSettings, eventType: EventType?, webhooks: [WebhookSubscription],
        teamDestinations: [TeamDestination] = [], booking: Booking?, hasSuppressions: Bool = false
    ) {
        self.tenant = tenant
        self.settings = settings
        self.eventType = eventType
        self.webhooks = webhooks
        self.teamDestinations = teamDestinations
        self.booking = booking
        self.hasSuppressions = hasSuppressions
    }
}
