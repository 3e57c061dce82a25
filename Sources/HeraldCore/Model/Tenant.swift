import Foundation

/// A business that takes bookings and sends reminders through Herald.
public struct Tenant: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var createdAt: Date

    public init(id: String, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
