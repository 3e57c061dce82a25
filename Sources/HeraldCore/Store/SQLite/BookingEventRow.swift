import Foundation
import GRDB

/// A row of `booking_events`; `booking` is the JSON snapshot of the booking after the change.
struct BookingEventRow: ModelRow {
    static let databaseTableName = "booking_events"

    var sequence: Int64?
    var id: String
    var type: BookingEventType
    var tenantID: String
    var bookingID: String
    var occurredAt: Date
    var booking: Booking
    var previousStartAt: Date?
    var previousEndAt: Date?
    var previousStatus: BookingStatus?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sequence
        case id
        case type
        case tenantID = "tenant_id"
        case bookingID = "booking_id"
        case occurredAt = "occurred_at"
        case booking
        case previousStartAt = "previous_start_at"
        case previousEndAt = "previous_end_at"
        case previousStatus = "previous_status"
    }

    enum Columns {
        static let sequence = Column(CodingKeys.sequence)
        static let id = Column(CodingKeys.id)
        static let type = Column(CodingKeys.type)
        static let tenantID = Column(CodingKeys.tenantID)
        static let bookingID = Column(CodingKeys.bookingID)
        static let occurredAt = Column(CodingKeys.occurredAt)
        static let booking = Column(CodingKeys.booking)
        static let previousStartAt = Column(CodingKeys.previousStartAt)
        static let previousEndAt = Column(CodingKeys.previousEndAt)
        static let previousStatus = Column(CodingKeys.previousStatus)
    }

    init(_ event: BookingEventRecord) {
        sequence = event.sequence
        id = event.id
        type = event.type
        tenantID = event.tenantID
        bookingID = event.bookingID
        occurredAt = event.occurredAt
        booking = event.booking
        previousStartAt = event.previousStartAt
        previousEndAt = event.previousEndAt
        previousStatus = event.previousStatus
    }

    var model: BookingEventRecord {
        BookingEventRecord(
            sequence: sequence, id: id, type: type, tenantID: tenantID, bookingID: bookingID,
            occurredAt: occurredAt, booking: booking, previousStartAt: previousStartAt,
            previousEndAt: previousEndAt, previousStatus: previousStatus)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        sequence = inserted.rowID
    }
}

extension BookingEventRecord: StoredInTable {
    typealias Row = BookingEventRow
}
