import Foundation
import GRDB

/// A row of `message_templates`.
struct MessageTemplateRow: ModelRow, PersistableRecord {
    static let databaseTableName = "message_templates"

    var tenantID: String
    var kind: NotificationKind
    var channel: String
    var subject: String?
    var body: String
    var htmlBody: String?
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case kind
        case channel
        case subject
        case body
        case htmlBody = "html_body"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let tenantID = Column(CodingKeys.tenantID)
        static let kind = Column(CodingKeys.kind)
        static let channel = Column(CodingKeys.channel)
        static let subject = Column(CodingKeys.subject)
        static let body = Column(CodingKeys.body)
        static let htmlBody = Column(CodingKeys.htmlBody)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    init(_ template: MessageTemplate) {
        tenantID = template.tenantID
        kind = template.kind
        channel = template.channel
        subject = template.subject
        body = template.body
        htmlBody = template.htmlBody
        updatedAt = template.updatedAt
    }

    var model: MessageTemplate {
        MessageTemplate(
            tenantID: tenantID, kind: kind, channel: channel, subject: subject, body: body, htmlBody: htmlBody,
            updatedAt: updatedAt)
    }
}

extension MessageTemplate: StoredInTable {
    typealias Row = MessageTemplateRow
}

extension MessageTemplateRow {
    /// A tenant's templates by kind and channel, through a cached statement (the
    /// dispatcher reads them with every leased batch).
    static func all(tenantID: String) -> SQLRequest<MessageTemplateRow> {
        SQLRequest(
            literal: """
                SELECT * FROM \(self) WHERE \(CodingKeys.tenantID) = \(tenantID)
                ORDER BY \(CodingKeys.kind), \(CodingKeys.channel)
                """,
            cached: true)
    }
}
