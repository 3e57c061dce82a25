import Foundation

/// Everything ``NotificationPlanner`` needs to plan the notifications of one booking write.
///
/// The planner does no I/O and reads no clock: the caller loads the tenant's settings,
/// event type, webhook subscriptions and team destinations and passes the current time, so the same input
/// always gives the same plan (up to the fresh job ids).
public struct PlanningInput: Sendable {
    /// What this booking write is.
    public var change: BookingEventType
    /// The booking after the change.
    public var booking: Booking
    /// The booking before the change; `nil` on create.
    public var previous: Booking?
    /// The event this write stores; its id goes into webhook and host jobs.
    public var event: BookingEventRecord
    /// The tenant's notification settings.
    public var settings: NotificationSettings
    /// The booking's event type, which may override offsets and notices.
    public var eventType: EventType?
    /// The tenant's webhook subscriptions, all of them; the planner picks the ones that want ``change``.
    public var webhooks: [WebhookSubscription]
    /// The tenant's team destinations, all of them; the planner picks the ones that want ``change``.
    public var teamDestinations: [TeamDestination]
    /// The tenant's suppression-list entries naming this booking's customer: their
    /// messages on those channels are planned `skipped`.
    public var suppressions: [Suppression]
    public var now: Date

    public init(
        change: BookingEventType,
        booking: Booking,
        previous: Booking? = nil,
        event: BookingEventRecord,
        settings: NotificationSettings,
        eventType: EventType? = nil,
        webhooks: [WebhookSubscription] = [],
        teamDestinations: [TeamDestination] = [],
        suppressions: [Suppression] = [],
        now: Date
    ) {
        self.change = change
        self.booking = booking
        self.previous = previous
        self.event = event
        self.settings = settings
        self.eventType = eventType
        self.webhooks = webhooks
        self.teamDestinations = teamDestinations
        self.suppressions = suppressions
        self.now = now
    }
}
