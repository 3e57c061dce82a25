import Foundation

/// One stored booking event, written in the same transaction as the change it describes.
public struct BookingEventRecord: Sendable, Equatable, Codable {
    /// Assigned by the store on insert, strictly increasing; `nil` before.
    /// Consumers resume from the last sequence they saw.
    public var sequence: Int64?
    /// `evt_...`; also the `webhook-id` of its webhook deliveries.
    public var id: String
    public var type: BookingEventType
    public var tenantID: String
    public var bookingID: String
    public var occurredAt: Date
    /// The booking as it was right after the change.
    public var booking: Booking
    public var previousStartAt: Date?
    public var previousEndAt: Date?
    public var previousStatus: BookingStatus?

    public init(
        sequence: Int64? = nil,
        id: String,
        type: BookingEventType,
        tenantID: String,
        bookingID: String,
        occurredAt: Date,
        booking: Booking,
        previousStartAt: Date? = nil,
        previousEndAt: Date? = nil,
        previousStatus: BookingStatus? = nil
    ) {
        self.sequence = sequence
        self.id = id
        self.type = type
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.occurredAt = occurredAt
        self.booking = booking
        self.previousStartAt = previousStartAt
        self.previousEndAt = previousEndAt
        self.previousStatus = previousStatus
    }
}
