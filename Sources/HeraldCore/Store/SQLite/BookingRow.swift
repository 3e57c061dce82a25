import Foundation
import GRDB

/// A row of `bookings`.
struct BookingRow: ModelRow, PersistableRecord {
    static let databaseTableName = "bookings"

    var id: String
    var tenantID: String
    var eventTypeID: String?
    var customerName: String
    var customerEmail: String?
    var customerPhone: String?
    var startAt: Date
    var endAt: Date
    var status: BookingStatus
    var scheduleVersion: Int
    var createdAt: Date
    var updatedAt: Date
    var askedToConfirm: Bool
    var confirmBy: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case tenantID = "tenant_id"
        case eventTypeID = "event_type_id"
        case customerName = "customer_name"
        case customerEmail = "customer_email"
        case customerPhone = "customer_phone"
        case startAt = "start_at"
        case endAt = "end_at"
        case status
        case scheduleVersion = "schedule_version"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case askedToConfirm = "asked_to_confirm"
        case confirmBy = "confirm_by"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantID = Column(CodingKeys.tenantID)
        static let eventTypeID = Column(CodingKeys.eventTypeID)
        static let customerName = Column(CodingKeys.customerName)
        static let customerEmail = Column(CodingKeys.customerEmail)
        static let customerPhone = Column(CodingKeys.customerPhone)
        static let startAt = Column(CodingKeys.startAt)
        static let endAt = Column(CodingKeys.endAt)
        static let status = Column(CodingKeys.status)
        static let scheduleVersion = Column(CodingKeys.scheduleVersion)
        static let createdAt = Column(CodingKeys.createdAt)
        static let updatedAt = Column(CodingKeys.updatedAt)
        static let confirmBy = Column(CodingKeys.confirmBy)
    }

    init(_ booking: Booking) {
        id = booking.id
        tenantID = booking.tenantID
        eventTypeID = booking.eventTypeID
        customerName = booking.customerName
        customerEmail = booking.customerEmail
        customerPhone = booking.customerPhone
        startAt = booking.startAt
        endAt = booking.endAt
        status = booking.status
        scheduleVersion = booking.scheduleVersion
        createdAt = booking.createdAt
        updatedAt = booking.updatedAt
        askedToConfirm = booking.askedToConfirm
        confirmBy = booking.confirmBy
    }

    var model: Booking {
        Booking(
            id: id, tenantID: tenantID, eventTypeID: eventTypeID, customerName: customerName,
            customerEmail: customerEmail, customerPhone: customerPhone, startAt: startAt, endAt: endAt,
            status: status, scheduleVersion: scheduleVersion, askedToConfirm: askedToConfirm, confirmBy: confirmBy,
            createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension Booking: StoredInTable {
    typealias Row = BookingRow
}

extension BookingRow {
    /// The booking with this id, through a cached statement (booking writes read it).
    static func find(id: String) -> SQLRequest<BookingRow> {
        SQLRequest(literal: "SELECT * FROM \(self) WHERE \(CodingKeys.id) = \(id)", cached: true)
    }
}
