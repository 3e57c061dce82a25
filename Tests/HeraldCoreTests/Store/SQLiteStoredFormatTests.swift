import Foundation
import GRDB
import HeraldCore
import Testing

/// The on-disk format is a contract with every database file already out there: a file
/// written by an earlier version reads back the same, and this version writes the same
/// column values (text dates at millisecond precision, enums as raw values, 0/1
/// booleans, JSON lists and snapshots with sorted keys and unescaped slashes).
@Suite("SQLite store: the on-disk format")
struct SQLiteStoredFormatTests {
    @Test func aDatabaseWrittenByTheEarlierRecordCodeReadsBackIdentically() async throws {
        try await withTemporaryStore { store, _ in
            try await store.database.write { db in try db.execute(sql: StoredFormatSample.rowsWrittenBefore) }
            let read = try await StoredFormatSample.readBack(store)
            #expect(read == StoredFormatSample.expected)
        }
    }

    @Test func theStoreWritesExactlyTheColumnValuesOfTheEarlierRecordCode() async throws {
        try await withTemporaryStore { store, _ in
            try await StoredFormatSample.write(into: store)
            try await withTemporaryStore { before, _ in
                try await before.database.write { db in try db.execute(sql: StoredFormatSample.rowsWrittenBefore) }
                for table in StoredFormatSample.tables {
                    let written = try await StoredFormatSample.dump(table, store)
                    let earlier = try await StoredFormatSample.dump(table, before)
                    #expect(!written.isEmpty, "\(table)")
                    #expect(written == earlier, "\(table)")
                }
            }
        }
    }
}

/// One of everything the SQLite store writes, with the optional parts both set and unset,
/// and text that JSON and SQL must keep intact (quotes, slashes, non-ASCII).
enum StoredFormatSample {
    static let tables = [
        "tenants", "notification_settings", "event_types", "bookings", "webhook_subscriptions",
        "notification_jobs", "reminder_log", "booking_events", "message_templates", "team_destinations",
        "api_keys", "idempotency_keys",
    ]

    /// Whole seconds and an exactly representable fraction, so millisecond text round-trips.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let start = Date(timeIntervalSince1970: 1_800_259_200.25)
    static let later = Date(timeIntervalSince1970: 1_800_000_090.5)

    static let acme = Tenant(id: "acme", name: "Acme \"Salon\" / Zoë", createdAt: now)
    static let beta = Tenant(id: "beta", name: "Beta", createdAt: later)
    static let acmeSettings = NotificationSettings(
        tenantID: "acme", emailEnabled: true, smsEnabled: true, whatsappEnabled: true,
        reminderOffsets: [2880, 60, 5], smsProvider: .vonage, smsFailover: true, timeZone: "Europe/Berlin",
        quietHours: QuietHours(startMinute: 1320, endMinute: 420), followUpEnabled: true, followUpMinutes: 90,
        senderName: "Zoë & Co / Salon", replyToEmail: "desk@acme.example", locale: "de-DE", updatedAt: now)
    static let betaSettings = NotificationSettings.defaults(tenantID: "beta", now: later)
    static let haircut = EventType(
        tenantID: "acme", id: "haircut", name: "Haircut", durationMinutes: 45, reminderOffsets: [1440, 30],
        hostEmails: ["front-desk@acme.example", "owner@acme.example"], createdAt: now, updatedAt: later)
    static let consult = EventType(
        tenantID: "acme", id: "consult", name: "Consult", sendConfirmation: false, sendRescheduleNotice: false,
        sendCancellationNotice: false, createdAt: now, updatedAt: now)
    static let hook = WebhookSubscription(
        id: "wh_1", tenantID: "acme", url: "https://hooks.acme.example/herald/in?x=1",
        eventTypes: ["booking.created", "booking.cancelled"], secret: "whsec_c2VjcmV0", createdAt: now)
    static let quietHook = WebhookSubscription(
        id: "wh_2", tenantID: "acme", url: "https://other.example/", secret: "whsec_b3RoZXI=", createdAt: later)
    static let room = TeamDestination(
        id: "team_1", tenantID: "acme", channel: "chat", recipient: "https://hooks.chat.example/services/T0/B0/XYZW",
        createdAt: now)
    static let reminderMail = MessageTemplate(
        tenantID: "acme", kind: .reminder, channel: "email", subject: "See you {{when}}",
        body: "Hi {{name}} / \"soon\"", htmlBody: "<p>Hi {{name}}</p>", updatedAt: now)
    static let confirmationSMS = MessageTemplate(
        tenantID: "acme", kind: .confirmation, channel: "sms", body: "Booked: {{when}}", updatedAt: later)
    static let tenantKey = APIKey(
        id: "key_1", tenantID: "acme", role: .tenant, prefix: "hk_abc", hash: String(repeating: "ab", count: 32),
        name: "salon app", createdAt: now)
    static let adminKey = APIKey(
        id: "key_2", tenantID: nil, role: .admin, prefix: "hk_adm", hash: String(repeating: "cd", count: 32),
        name: "ops", createdAt: now)

    static let booking = Booking(
        id: "bk_1", tenantID: "acme", eventTypeID: "haircut", customerName: "Zoë \"Q\" O'Neil / 東京",
        customerEmail: "zoe@example.com", customerPhone: nil, startAt: start, endAt: start.addingTimeInterval(2700),
        status: .pending, scheduleVersion: 1, createdAt: now, updatedAt: now)
    static var confirmed: Booking {
        var booking = booking
        booking.status = .confirmed
        booking.customerPhone = "+4915112345678"
        booking.updatedAt = later
        return booking
    }
    static let bare = Booking(
        id: "bk_2", tenantID: "beta", customerName: "Ada", startAt: start, endAt: start, createdAt: later,
        updatedAt: later)

    static let reminderJob = NotificationJob(
        id: "job_reminder", tenantID: "acme", bookingID: "bk_1", kind: .reminder, channel: "sms", provider: "twilio",
        fallbackProvider: "vonage", recipient: "+4915112345678", reminderOffsetMinutes: 30, scheduleVersion: 1,
        dueAt: now, notAfter: start, createdAt: now, updatedAt: now)
    static let webhookJob = NotificationJob(
        id: "job_webhook", tenantID: "acme", bookingID: "bk_1", kind: .webhook, channel: "webhook",
        recipient: hook.url, scheduleVersion: 1, eventID: "evt_1", subscriptionID: "wh_1", dueAt: now,
        createdAt: now, updatedAt: now)
    static let teamJob = NotificationJob(
        id: "job_team", tenantID: "acme", bookingID: "bk_1", kind: .hostNotification, channel: "chat",
        recipient: room.recipient, scheduleVersion: 1, eventID: "evt_1", teamDestinationID: "team_1", dueAt: now,
        createdAt: now, updatedAt: now)
    static let mailJob = NotificationJob(
        id: "job_mail", tenantID: "acme", bookingID: "bk_1", kind: .confirmation, channel: "email",
        recipient: "zoe@example.com", scheduleVersion: 1, dueAt: later, createdAt: now, updatedAt: now)
    static let followUpJob = NotificationJob(
        id: "job_follow", tenantID: "acme", bookingID: "bk_1", kind: .followUp, channel: "email",
        recipient: "zoe@example.com", scheduleVersion: 1, dueAt: start.addingTimeInterval(9000), createdAt: now,
        updatedAt: now)
    static let skippedJob = NotificationJob(
        id: "job_skipped", tenantID: "acme", bookingID: "bk_1", kind: .reminder, channel: "email",
        recipient: "zoe@example.com", reminderOffsetMinutes: 1440, scheduleVersion: 1, dueAt: now, status: .skipped,
        createdAt: now, updatedAt: now)

    static let answer = IdempotentAnswer(
        status: 201, body: Data("{\"id\":\"bk_1\"}\u{0}\u{ff}".utf8), contentType: "application/json",
        location: "/api/tenants/acme/bookings/bk_1")

    /// Writes the sample through the store's operations, as the core would.
    static func write(into store: SQLiteStore) async throws {
        try await store.createTenant(acme, settings: acmeSettings)
        try await store.createTenant(beta, settings: betaSettings)
        try await store.createEventType(haircut)
        try await store.createEventType(consult)
        try await store.createWebhook(hook)
        try await store.createWebhook(quietHook)
        try await store.setWebhookEnabled(id: "wh_2", enabled: false, reason: "the endpoint answered: 410 Gone")
        try await store.createTeamDestination(room)
        try await store.saveTemplate(reminderMail)
        try await store.saveTemplate(confirmationSMS)
        try await store.createAPIKey(tenantKey)
        try await store.createAPIKey(adminKey)
        _ = try await store.revokeAPIKey(id: "key_1", at: later)

        try await store.writeBooking(BookingWrite(
            booking: booking, expected: nil,
            event: BookingEventRecord(
                id: "evt_1", type: .created, tenantID: "acme", bookingID: "bk_1", occurredAt: now, booking: booking),
            newJobs: [reminderJob, webhookJob, teamJob, mailJob, followUpJob, skippedJob],
            newLogEntries: [ReminderLogEntry(job: skippedJob, outcome: .skipped, error: "booked too late", loggedAt: now)]))
        try await store.writeBooking(BookingWrite(
            booking: bare, expected: nil,
            event: BookingEventRecord(
                id: "evt_2", type: .created, tenantID: "beta", bookingID: "bk_2", occurredAt: later, booking: bare)))

        let lease = { (channel: String, provider: String) in
            _ = try await store.leaseDueJobs(LeaseQuery(
                channel: channel, provider: provider, limit: 10, now: later,
                leaseUntil: later.addingTimeInterval(30.25), leasedTo: "worker-\(channel)")) { _ in .lease }
        }
        try await lease("sms", "twilio")
        try await lease("webhook", "")
        try await lease("chat", "")
        try await lease("email", "smtp")
        _ = try await store.applyResults([
            JobResult(
                jobID: "job_reminder", attempt: 1,
                resolution: .retry(at: later.addingTimeInterval(60), provider: "twilio", error: "429 slow down",
                                   switchToFallback: true),
                at: later),
            JobResult(
                jobID: "job_webhook", attempt: 1,
                resolution: .failed(provider: "", error: "410 Gone", recipientGone: true), at: later),
            JobResult(
                jobID: "job_mail", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: "<m1@acme>"),
                at: later),
        ])
        // job_team stays leased.

        try await store.writeBooking(BookingWrite(
            booking: confirmed, expected: booking,
            event: BookingEventRecord(
                id: "evt_3", type: .confirmed, tenantID: "acme", bookingID: "bk_1", occurredAt: later,
                booking: confirmed, previousStartAt: start, previousEndAt: booking.endAt, previousStatus: .pending),
            cancelPendingJobs: .kinds([.followUp], reason: "follow-up not wanted")))

        _ = try await store.claimIdempotencyKey(
            scope: "key_1", key: "idem-1", fingerprint: "fp-1", now: now, expiredBefore: .distantPast,
            abandonedBefore: .distantPast)
        try await store.finishIdempotencyKey(scope: "key_1", key: "idem-1", answer: answer)
        _ = try await store.claimIdempotencyKey(
            scope: "key_1", key: "idem-2", fingerprint: "fp-2", now: later, expiredBefore: .distantPast,
            abandonedBefore: .distantPast)
    }

    /// Everything the store's read operations return for the sample.
    struct ReadBack: Equatable {
        var tenants: [Tenant]
        var settings: [NotificationSettings?]
        var eventTypes: [EventType]
        var webhooks: [WebhookSubscription]
        var teamDestinations: [TeamDestination]
        var templates: [MessageTemplate]
        var apiKeys: [APIKey]
        var bookings: [Booking]
        var jobs: [NotificationJob]
        var events: [BookingEventRecord]
        var log: [ReminderLogEntry]
        var idempotency: [IdempotencyClaim]
    }

    static func readBack(_ store: SQLiteStore) async throws -> ReadBack {
        ReadBack(
            tenants: try await store.tenants(),
            settings: [try await store.settings(tenantID: "acme"), try await store.settings(tenantID: "beta")],
            eventTypes: try await store.eventTypes(tenantID: "acme"),
            webhooks: try await store.webhooks(tenantID: "acme"),
            teamDestinations: try await store.teamDestinations(tenantID: "acme"),
            templates: try await store.templates(tenantID: "acme"),
            apiKeys: try await store.apiKeys(tenantID: nil, includeRevoked: true),
            bookings: try await store.bookings(tenantID: "acme", filter: .all, limit: 10)
                + (try await store.bookings(tenantID: "beta", filter: .all, limit: 10)),
            jobs: try await store.jobs(bookingID: "bk_1") + (try await store.jobs(bookingID: "bk_2")),
            events: try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 10)
                + (try await store.events(tenantID: "beta", bookingID: nil, afterSequence: 0, limit: 10)),
            log: Array(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10).reversed()),
            idempotency: [
                try await store.claimIdempotencyKey(
                    scope: "key_1", key: "idem-1", fingerprint: "fp-1", now: later, expiredBefore: .distantPast,
                    abandonedBefore: .distantPast),
                try await store.claimIdempotencyKey(
                    scope: "key_1", key: "idem-2", fingerprint: "fp-2", now: later, expiredBefore: .distantPast,
                    abandonedBefore: .distantPast),
                try await store.claimIdempotencyKey(
                    scope: "key_1", key: "idem-2", fingerprint: "other", now: later, expiredBefore: .distantPast,
                    abandonedBefore: .distantPast),
            ])
    }

    /// Every column of every row, as SQL literals (`quote()`), so a text date and a number
    /// or a blob and its text differ.
    static func dump(_ table: String, _ store: SQLiteStore) async throws -> [String] {
        try await store.database.read { db in
            let columns = try db.columns(in: table).map(\.name)
            let quoted = columns.map { "quote(\($0))" }.joined(separator: " || ',' || ")
            return try String.fetchAll(db, sql: "SELECT \(quoted) FROM \(table) ORDER BY rowid")
        }
    }

    // MARK: Golden data

    /// What the sample reads back as: the values written, moved on by what the store did.
    static var expected: ReadBack {
        var hookAfterGone = hook
        hookAfterGone.enabled = false
        hookAfterGone.disabledReason = "the endpoint answered: 410 Gone"
        var quietHookDisabled = quietHook
        quietHookDisabled.enabled = false
        quietHookDisabled.disabledReason = "the endpoint answered: 410 Gone"
        var revoked = tenantKey
        revoked.revokedAt = later
        let leaseUntil = Date(timeIntervalSince1970: 1_800_000_120.75)

        var reminder = reminderJob
        (reminder.provider, reminder.fallbackProvider) = ("vonage", "twilio")
        reminder.attempt = 1
        reminder.dueAt = later.addingTimeInterval(60)
        reminder.lastError = "429 slow down"
        reminder.updatedAt = later
        var webhook = webhookJob
        webhook.status = .failed
        webhook.attempt = 1
        webhook.lastError = "410 Gone"
        webhook.updatedAt = later
        var team = teamJob
        team.status = .leased
        team.attempt = 1
        team.leasedTo = "worker-chat"
        team.leaseExpiresAt = leaseUntil
        team.updatedAt = later
        var mail = mailJob
        mail.status = .sent
        mail.attempt = 1
        mail.updatedAt = later
        var followUp = followUpJob
        followUp.status = .cancelled
        followUp.lastError = "follow-up not wanted"
        followUp.updatedAt = later

        return ReadBack(
            tenants: [acme, beta],
            settings: [acmeSettings, betaSettings],
            eventTypes: [consult, haircut],
            webhooks: [hookAfterGone, quietHookDisabled],
            teamDestinations: [room],
            templates: [confirmationSMS, reminderMail],
            apiKeys: [revoked, adminKey],
            bookings: [confirmed, bare],
            // By due time, then id.
            jobs: [skippedJob, team, webhook, mail, reminder, followUp].sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) },
            events: [
                BookingEventRecord(
                    sequence: 1, id: "evt_1", type: .created, tenantID: "acme", bookingID: "bk_1", occurredAt: now,
                    booking: booking),
                BookingEventRecord(
                    sequence: 3, id: "evt_3", type: .confirmed, tenantID: "acme", bookingID: "bk_1",
                    occurredAt: later, booking: confirmed, previousStartAt: start, previousEndAt: booking.endAt,
                    previousStatus: .pending),
                BookingEventRecord(
                    sequence: 2, id: "evt_2", type: .created, tenantID: "beta", bookingID: "bk_2", occurredAt: later,
                    booking: bare),
            ],
            log: [
                ReminderLogEntry(
                    id: 1, job: skippedJob, outcome: .skipped, error: "booked too late", loggedAt: now),
                ReminderLogEntry(
                    id: 2, job: webhook, outcome: .failed, provider: "", error: "410 Gone", loggedAt: later),
                ReminderLogEntry(
                    id: 3, job: mail, outcome: .sent, provider: "smtp", providerMessageID: "<m1@acme>",
                    loggedAt: later),
                ReminderLogEntry(
                    id: 4, job: followUp, outcome: .cancelled, error: "follow-up not wanted", loggedAt: later),
            ],
            idempotency: [.replay(answer), .inFlight, .mismatch])
    }

    /// The sample's rows as the record code before Codable records wrote them (commit
    /// 912c57f, `sqlite3 herald.db '.mode insert'`); never regenerate these from newer code.
    /// Columns added since (v7: `notification_settings.fallback_channel`,
    /// `fallback_after_minutes`, `reply_confirm_keywords` and `reply_cancel_keywords`,
    /// `notification_jobs.payload`) carry the values a migrated row has: their defaults,
    /// appended last as ALTER TABLE appends the columns.
    static let rowsWrittenBefore = #"""
        INSERT INTO tenants VALUES('acme','Acme "Salon" / Zoë','2027-01-15 08:00:00.000');
        INSERT INTO tenants VALUES('beta','Beta','2027-01-15 08:01:30.500');
        INSERT INTO notification_settings VALUES('acme',1,1,1,'[2880,60,5]','vonage',1,'Europe/Berlin',1320,420,1,90,'Zoë & Co / Salon','desk@acme.example','de-DE','2027-01-15 08:00:00.000',NULL,0,'[]','[]',0,0,0,0,1,NULL,NULL,NULL);
        INSERT INTO notification_settings VALUES('beta',1,0,0,'[1440,60]','twilio',0,'UTC',NULL,NULL,0,120,'',NULL,'en-US','2027-01-15 08:01:30.500',NULL,0,'[]','[]',0,0,0,0,1,NULL,NULL,NULL);
        INSERT INTO event_types VALUES('acme','haircut','Haircut',45,'[1440,30]','["front-desk@acme.example","owner@acme.example"]',1,1,1,'2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',NULL,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
        INSERT INTO event_types VALUES('acme','consult','Consult',60,NULL,'[]',0,0,0,'2027-01-15 08:00:00.000','2027-01-15 08:00:00.000',NULL,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
        INSERT INTO bookings VALUES('bk_1','acme','haircut','Zoë "Q" O''Neil / 東京','zoe@example.com','+4915112345678','2027-01-18 08:00:00.250','2027-01-18 08:45:00.250','confirmed',1,'2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',0,NULL);
        INSERT INTO bookings VALUES('bk_2','beta',NULL,'Ada',NULL,NULL,'2027-01-18 08:00:00.250','2027-01-18 08:00:00.250','pending',1,'2027-01-15 08:01:30.500','2027-01-15 08:01:30.500',0,NULL);
        INSERT INTO webhook_subscriptions VALUES('wh_1','acme','https://hooks.acme.example/herald/in?x=1','["booking.created","booking.cancelled"]','whsec_c2VjcmV0',0,'the endpoint answered: 410 Gone','2027-01-15 08:00:00.000');
        INSERT INTO webhook_subscriptions VALUES('wh_2','acme','https://other.example/','[]','whsec_b3RoZXI=',0,'the endpoint answered: 410 Gone','2027-01-15 08:01:30.500');
        INSERT INTO notification_jobs VALUES('job_reminder','acme','bk_1','reminder','sms','vonage','+4915112345678',30,1,'',NULL,'2027-01-15 08:02:30.500','2027-01-18 08:00:00.250','pending',1,NULL,NULL,'429 slow down','2027-01-15 08:00:00.000','2027-01-15 08:01:30.500','twilio',NULL,NULL,'');
        INSERT INTO notification_jobs VALUES('job_webhook','acme','bk_1','webhook','webhook',NULL,'https://hooks.acme.example/herald/in?x=1',0,1,'evt_1','wh_1','2027-01-15 08:00:00.000',NULL,'failed',1,NULL,NULL,'410 Gone','2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',NULL,NULL,NULL,'');
        INSERT INTO notification_jobs VALUES('job_team','acme','bk_1','host_notification','chat',NULL,'https://hooks.chat.example/services/T0/B0/XYZW',0,1,'evt_1',NULL,'2027-01-15 08:00:00.000',NULL,'leased',1,'worker-chat','2027-01-15 08:02:00.750',NULL,'2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',NULL,'team_1',NULL,'');
        INSERT INTO notification_jobs VALUES('job_mail','acme','bk_1','confirmation','email',NULL,'zoe@example.com',0,1,'',NULL,'2027-01-15 08:01:30.500',NULL,'sent',1,NULL,NULL,NULL,'2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',NULL,NULL,NULL,'');
        INSERT INTO notification_jobs VALUES('job_follow','acme','bk_1','follow_up','email',NULL,'zoe@example.com',0,1,'',NULL,'2027-01-18 10:30:00.250',NULL,'cancelled',0,NULL,NULL,'follow-up not wanted','2027-01-15 08:00:00.000','2027-01-15 08:01:30.500',NULL,NULL,NULL,'');
        INSERT INTO notification_jobs VALUES('job_skipped','acme','bk_1','reminder','email',NULL,'zoe@example.com',1440,1,'',NULL,'2027-01-15 08:00:00.000',NULL,'skipped',0,NULL,NULL,NULL,'2027-01-15 08:00:00.000','2027-01-15 08:00:00.000',NULL,NULL,NULL,'');
        INSERT INTO reminder_log VALUES(1,'job_skipped','acme','bk_1','email','','reminder',1440,1,'zoe@example.com','','skipped',0,NULL,'booked too late','2027-01-15 08:00:00.000');
        INSERT INTO reminder_log VALUES(2,'job_webhook','acme','bk_1','webhook','','webhook',0,1,'https://hooks.acme.example/herald/in?x=1','evt_1','failed',1,NULL,'410 Gone','2027-01-15 08:01:30.500');
        INSERT INTO reminder_log VALUES(3,'job_mail','acme','bk_1','email','smtp','confirmation',0,1,'zoe@example.com','','sent',1,'<m1@acme>',NULL,'2027-01-15 08:01:30.500');
        INSERT INTO reminder_log VALUES(4,'job_follow','acme','bk_1','email','','follow_up',0,1,'zoe@example.com','','cancelled',0,NULL,'follow-up not wanted','2027-01-15 08:01:30.500');
        INSERT INTO booking_events VALUES(1,'evt_1','booking.created','acme','bk_1','2027-01-15 08:00:00.000','{"askedToConfirm":false,"createdAt":"2027-01-15 08:00:00.000","customerEmail":"zoe@example.com","customerName":"Zoë \"Q\" O''Neil / 東京","endAt":"2027-01-18 08:45:00.250","eventTypeID":"haircut","id":"bk_1","scheduleVersion":1,"startAt":"2027-01-18 08:00:00.250","status":"pending","tenantID":"acme","updatedAt":"2027-01-15 08:00:00.000"}',NULL,NULL,NULL);
        INSERT INTO booking_events VALUES(2,'evt_2','booking.created','beta','bk_2','2027-01-15 08:01:30.500','{"askedToConfirm":false,"createdAt":"2027-01-15 08:01:30.500","customerName":"Ada","endAt":"2027-01-18 08:00:00.250","id":"bk_2","scheduleVersion":1,"startAt":"2027-01-18 08:00:00.250","status":"pending","tenantID":"beta","updatedAt":"2027-01-15 08:01:30.500"}',NULL,NULL,NULL);
        INSERT INTO booking_events VALUES(3,'evt_3','booking.confirmed','acme','bk_1','2027-01-15 08:01:30.500','{"askedToConfirm":false,"createdAt":"2027-01-15 08:00:00.000","customerEmail":"zoe@example.com","customerName":"Zoë \"Q\" O''Neil / 東京","customerPhone":"+4915112345678","endAt":"2027-01-18 08:45:00.250","eventTypeID":"haircut","id":"bk_1","scheduleVersion":1,"startAt":"2027-01-18 08:00:00.250","status":"confirmed","tenantID":"acme","updatedAt":"2027-01-15 08:01:30.500"}','2027-01-18 08:00:00.250','2027-01-18 08:45:00.250','pending');
        INSERT INTO message_templates VALUES('acme','reminder','email','See you {{when}}','Hi {{name}} / "soon"','<p>Hi {{name}}</p>','2027-01-15 08:00:00.000');
        INSERT INTO message_templates VALUES('acme','confirmation','sms',NULL,'Booked: {{when}}',NULL,'2027-01-15 08:01:30.500');
        INSERT INTO team_destinations VALUES('team_1','acme','chat','https://hooks.chat.example/services/T0/B0/XYZW','["booking.created","booking.rescheduled","booking.cancelled"]',1,NULL,'2027-01-15 08:00:00.000');
        INSERT INTO api_keys VALUES('key_1','acme','tenant','hk_abc','abababababababababababababababababababababababababababababababab','salon app','2027-01-15 08:00:00.000','2027-01-15 08:01:30.500');
        INSERT INTO api_keys VALUES('key_2',NULL,'admin','hk_adm','cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd','ops','2027-01-15 08:00:00.000',NULL);
        INSERT INTO idempotency_keys VALUES('key_1','idem-1','fp-1',201,X'7b226964223a22626b5f31227d00c3bf','application/json','/api/tenants/acme/bookings/bk_1','2027-01-15 08:00:00.000');
        INSERT INTO idempotency_keys VALUES('key_1','idem-2','fp-2',NULL,NULL,NULL,NULL,'2027-01-15 08:01:30.500');
        """#
}

private extension ReminderLogEntry {
    init(
        id: Int64, job: NotificationJob, outcome: LogOutcome, provider: String? = nil,
        providerMessageID: String? = nil, error: String? = nil, loggedAt: Date
    ) {
        self.init(
            job: job, outcome: outcome, provider: provider, providerMessageID: providerMessageID, error: error,
            loggedAt: loggedAt)
        self.id = id
    }
}
