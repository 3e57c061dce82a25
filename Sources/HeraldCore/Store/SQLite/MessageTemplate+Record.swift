import GRDB

extension MessageTemplate: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "message_templates"

    public init(row: Row) throws {
        self.init(
            tenantID: try row.decode(forColumn: "tenant_id"),
            kind: try row.decode(forColumn: "kind"),
            channel: try row.decode(forColumn: "channel"),
            subject: try row.decode(forColumn: "subject"),
            body: try row.decode(forColumn: "body"),
            htmlBody: try row.decode(forColumn: "html_body"),
            updatedAt: try row.decode(forColumn: "updated_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["tenant_id"] = tenantID
        container["kind"] = kind
        container["channel"] = channel
        container["subject"] = subject
        container["body"] = body
        container["html_body"] = htmlBody
        container["updated_at"] = updatedAt
    }
}
