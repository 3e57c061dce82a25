import Foundation
import GRDB

/// A row of `team_destinations`; `event_types` is a JSON array.
struct TeamDestinationRow: ModelRow, PersistableRecord {
    static let databaseTableName = "team_destinations"

    var id: String
    var tenantID: String
    var channel: String
    var recipient: String
    var eventTypes: [String]
    var enabled: Bool
    var disabledReason: String?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case tenantID = "tenant_id"
        case channel
        case recipient
        case eventTypes = "event_types"
        case enabled
        case disabledReason = "disabled_reason"
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantID = Column(CodingKeys.tenantID)
        static let channel = Column(CodingKeys.channel)
        static let recipient = Column(CodingKeys.recipient)
        static let eventTypes = Column(CodingKeys.eventTypes)
        static let enabled = Column(CodingKeys.enabled)
        static let disabledReason = Column(CodingKeys.disabledReason)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ destination: TeamDestination) {
        id = destination.id
        tenantID = destination.tenantID
        channel = destination.channel
        recipient = destination.recipient
        eventTypes = destination.eventTypes
        enabled = destination.enabled
        disabledReason = destination.disabledReason
        createdAt = destination.createdAt
    }

    var model: TeamDestination {
        TeamDestination(
            id: id, tenantID: tenantID, channel: channel, recipient: recipient, eventTypes: eventTypes,
            enabled: enabled, disabledReason: disabledReason, createdAt: createdAt)
    }
}

extension TeamDestination: StoredInTable {
    typealias Row = TeamDestinationRow
}
