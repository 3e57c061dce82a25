import GRDB

extension NotificationSettings: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "notification_settings"

    public init(row: Row) throws {
        let quietStart: Int? = try row.decode(forColumn: "quiet_start_minute")
        let quietEnd: Int? = try row.decode(forColumn: "quiet_end_minute")
        var quietHours: QuietHours?
        if let quietStart, let quietEnd {
            quietHours = QuietHours(startMinute: quietStart, endMinute: quietEnd)
        }
        self.init(
            tenantID: try row.decode(forColumn: "tenant_id"),
            emailEnabled: try row.decode(forColumn: "email_enabled"),
            smsEnabled: try row.decode(forColumn: "sms_enabled"),
            whatsappEnabled: try row.decode(forColumn: "whatsapp_enabled"),
            reminderOffsets: try JSONColumn.decode([Int].self, from: row.decode(forColumn: "reminder_offsets")),
            smsProvider: try row.decode(forColumn: "sms_provider"),
            smsFailover: try row.decode(forColumn: "sms_failover"),
            timeZone: try row.decode(forColumn: "time_zone"),
            quietHours: quietHours,
            followUpEnabled: try row.decode(forColumn: "follow_up_enabled"),
            followUpMinutes: try row.decode(forColumn: "follow_up_minutes"),
            senderName: try row.decode(forColumn: "sender_name"),
            replyToEmail: try row.decode(forColumn: "reply_to_email"),
            locale: try row.decode(forColumn: "locale"),
            updatedAt: try row.decode(forColumn: "updated_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["tenant_id"] = tenantID
        container["email_enabled"] = emailEnabled
        container["sms_enabled"] = smsEnabled
        container["whatsapp_enabled"] = whatsappEnabled
        container["reminder_offsets"] = try JSONColumn.encode(reminderOffsets)
        container["sms_provider"] = smsProvider
        container["sms_failover"] = smsFailover
        container["time_zone"] = timeZone
        container["quiet_start_minute"] = quietHours?.startMinute
        container["quiet_end_minute"] = quietHours?.endMinute
        container["follow_up_enabled"] = followUpEnabled
        container["follow_up_minutes"] = followUpMinutes
        container["sender_name"] = senderName
        container["reply_to_email"] = replyToEmail
        container["locale"] = locale
        container["updated_at"] = updatedAt
    }
}
