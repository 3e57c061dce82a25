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
    /// Made pending under "ask for confirmation": its customer is asked to confirm, and
    /// its reminders were planned while it was pending.
    public var askedToConfirm: Bool
    /// When a still-pending booking becomes overdue for confirmation (the team is told,
    /// or it is cancelled); `nil` once it is confirmed, cancelled or handled, or with no deadline.
    public var confirmBy: Date?
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
        askedToConfirm: Bool = false,
        confirmBy: Date? = nil,
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
        self.askedToConfirm = askedToConfirm
        self.confirmBy = confirmBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Booking {
    /// Reads the booking snapshots of events stored before ``askedToConfirm`` and
    /// ``confirmBy`` existed as well as new ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            tenantID: try container.decode(String.self, forKey: .tenantID),
            eventTypeID: try container.decodeIfPresent(String.self, forKey: .eventTypeID),
            customerName: try container.decode(String.self, forKey: .customerName),
            customerEmail: try container.decodeIfPresent(String.self, forKey: .customerEmail),
            customerPhone: try container.decodeIfPresent(String.self, forKey: .customerPhone),
            startAt: try container.decode(Date.self, forKey: .startAt),
            endAt: try container.decode(Date.self, forKey: .endAt),
            status: try container.decode(BookingStatus.self, forKey: .status),
            scheduleVersion: try container.decode(Int.self, forKey: .scheduleVersion),
            askedToConfirm: try container.decodeIfPresent(Bool.self, forKey: .askedToConfirm) ?? false,
            confirmBy: try container.decodeIfPresent(Date.self, forKey: .confirmBy),
            createdAt: try container.decode(Date.self, forKey: .createdAt),
            updatedAt: try container.decode(Date.self, forKey: .updatedAt))
    }

    /// Whether the customer is still being asked to confirm.
    public var awaitingConfirmation: Bool { askedToConfirm && status == .pending }
}
