import Foundation

/// An appointment of a customer with a tenant.
public struct Booking: Sendable, Equatable, Codable {
    public var id: String
    public var tenantID: String
    public var eventTypeID: String?
    public var customerName: String
    public var customerEmail: String?
    public var customerPhone: String?
    /// Start and end in UTC.
    public var startAt: Date
    public var endAt: Date
    public var status: BookingStatus
    /// Starts at 1 and is bumped on every change of time, so jobs planned for an
    /// older time can be recognised as stale at send time.
    public var scheduleVersion: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String,
        tenantID: String,
        eventTypeID: String? = nil,
        customerName: String,
        customerEmail: String? = nil,
        customerPhone: String? = nil,
        startAt: Date,
        endAt: Date,
        status: BookingStatus = .pending,
        scheduleVersion: Int = 1,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.eventTypeID = eventTypeID
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.customerPhone = customerPhone
        self.startAt = startAt
        self.endAt = endAt
        self.status = status
        self.scheduleVersion = scheduleVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
