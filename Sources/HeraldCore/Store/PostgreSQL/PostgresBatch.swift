import Foundation
import Logging
import PostgresNIO

/// Many rows in one statement: a batch travels as one JSON parameter that
/// `jsonb_to_recordset` turns back into rows (NULLs included, which PostgreSQL's
/// array parameters cannot carry per element), so a batch costs one round trip to
/// the server instead of one per row. Dates travel as milliseconds since 1970,
/// exact, and become `timestamptz` in SQL (``timestamp(_:)``).
enum PostgresBatch {
    static func json(_ rows: some Encodable) throws -> String {
        String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    private static let encoder = JSONEncoder()

    /// SQL for the `timestamptz` of a column of milliseconds since 1970.
    static func timestamp(_ milliseconds: String) -> String {
        "(timestamptz 'epoch' + (\(milliseconds)) * interval '1 millisecond')"
    }

    /// The columns of a job an applied result changes.
    struct JobChange: Encodable {
        var id: String
        var status: String
        var due_ms: Int64
        var provider: String?
        var fallback_provider: String?
        var last_error: String?
        var updated_ms: Int64
    }

    /// A new booking.
    struct BookingRow: Encodable {
        var id: String
        var tenant_id: String
        var event_type_id: String?
        var customer_name: String
        var customer_email: String?
        var customer_phone: String?
        var start_ms: Int64
        var end_ms: Int64
        var status: String
        var schedule_version: Int
        var created_ms: Int64
        var updated_ms: Int64
        var asked_to_confirm: Bool
        var confirm_by_ms: Int64?

        init(_ b: Booking) {
            id = b.id
            tenant_id = b.tenantID
            event_type_id = b.eventTypeID
            customer_name = b.customerName
            customer_email = b.customerEmail
            customer_phone = b.customerPhone
            start_ms = PostgresDate(b.startAt).milliseconds
            end_ms = PostgresDate(b.endAt).milliseconds
            status = b.status.rawValue
            schedule_version = b.scheduleVersion
            created_ms = PostgresDate(b.createdAt).milliseconds
            updated_ms = PostgresDate(b.updatedAt).milliseconds
            asked_to_confirm = b.askedToConfirm
            confirm_by_ms = b.confirmBy.map { PostgresDate($0).milliseconds }
        }
    }

    /// A new job; `position` keeps the batch's order (the queue's tie-break).
    struct JobRow: Encodable {
        var id: String
        var tenant_id: String
        var booking_id: String
        var kind: String
        var channel: String
        var provider: String?
        var fallback_provider: String?
        var recipient: String
        var reminder_offset_minutes: Int
        var schedule_version: Int
        var event_id: String
        var subscription_id: String?
        var team_destination_id: String?
        var due_ms: Int64
        var not_after_ms: Int64?
        var status: String
        var attempt: Int
        var leased_to: String?
        var lease_expires_ms: Int64?
        var last_error: String?
        var created_ms: Int64
        var updated_ms: Int64
        var account: String
        var position: Int

        init(_ j: NotificationJob, position: Int) {
            id = j.id
            tenant_id = j.tenantID
            booking_id = j.bookingID
            kind = j.kind.rawValue
            channel = j.channel
            provider = j.provider
            fallback_provider = j.fallbackProvider
            account = j.account
            recipient = j.recipient
            reminder_offset_minutes = j.reminderOffsetMinutes
            schedule_version = j.scheduleVersion
            event_id = j.eventID
            subscription_id = j.subscriptionID
            team_destination_id = j.teamDestinationID
            due_ms = PostgresDate(j.dueAt).milliseconds
            not_after_ms = j.notAfter.map { PostgresDate($0).milliseconds }
            status = j.status.rawValue
            attempt = j.attempt
            leased_to = j.leasedTo
            lease_expires_ms = j.leaseExpiresAt.map { PostgresDate($0).milliseconds }
            last_error = j.lastError
            created_ms = PostgresDate(j.createdAt).milliseconds
            updated_ms = PostgresDate(j.updatedAt).milliseconds
            self.position = position
        }
    }

    /// A booking event; its sequence is assigned in `position` order.
    struct EventRow: Encodable {
        var id: String
        var type: String
        var tenant_id: String
        var booking_id: String
        var occurred_ms: Int64
        var booking: String
        var previous_start_ms: Int64?
        var previous_end_ms: Int64?
        var previous_status: String?
        var position: Int

        init(_ e: BookingEventRecord, position: Int) throws {
            id = e.id
            type = e.type.rawValue
            tenant_id = e.tenantID
            booking_id = e.bookingID
            occurred_ms = PostgresDate(e.occurredAt).milliseconds
            booking = try JSONColumn.encode(e.booking)
            previous_start_ms = e.previousStartAt.map { PostgresDate($0).milliseconds }
            previous_end_ms = e.previousEndAt.map { PostgresDate($0).milliseconds }
            previous_status = e.previousStatus?.rawValue
            self.position = position
        }
    }

    /// One ReminderLog row to append.
    struct LogRow: Encodable {
        var job_id: String
        var tenant_id: String
        var booking_id: String
        var channel: String
        var provider: String
        var kind: String
        var reminder_offset_minutes: Int
        var schedule_version: Int
        var recipient: String
        var event_id: String
        var outcome: String
        var attempts: Int
        var provider_message_id: String?
        var error: String?
        var logged_ms: Int64
        /// Its place in the batch, which the INSERT keeps (ids follow it).
        var position: Int

        init(_ e: ReminderLogEntry, position: Int) {
            self.position = position
            job_id = e.jobID
            tenant_id = e.tenantID
            booking_id = e.bookingID
            channel = e.channel
            provider = e.provider
            kind = e.kind.rawValue
            reminder_offset_minutes = e.reminderOffsetMinutes
            schedule_version = e.scheduleVersion
            recipient = e.recipient
            event_id = e.eventID
            outcome = e.outcome.rawValue
            attempts = e.attempts
            provider_message_id = e.providerMessageID
            error = e.error
            logged_ms = PostgresDate(e.loggedAt).milliseconds
        }
    }
}

extension PostgresStore {
    /// Appends ReminderLog rows in one statement, in order; returns those stored, as
    /// stored. A second `sent` row for a notification is not stored (the first stays)
    /// and is left out of the answer.
    static func append(
        _ entries: [ReminderLogEntry], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [ReminderLogEntry] {
        guard !entries.isEmpty else { return [] }
        if entries.count == 1 { return try await append(entries[0], connection, logger).map { [$0] } ?? [] }
        let rows = try PostgresBatch.json(entries.enumerated().map { PostgresBatch.LogRow($1, position: $0) })
        var ids: [Int: Int64] = [:] // by position in `entries`
        // Positions by job and outcome: a job has at most one row per outcome in a batch.
        var positions: [String: [Int]] = [:]
        for (index, entry) in entries.enumerated() {
            positions[entry.jobID + "\u{0}" + entry.outcome.rawValue, default: []].append(index)
        }
        for row in try await connection.rows("""
            INSERT INTO reminder_log (
                job_id, tenant_id, booking_id, channel, provider, kind, reminder_offset_minutes, schedule_version,
                recipient, event_id, outcome, attempts, provider_message_id, error, logged_at)
            SELECT job_id, tenant_id, booking_id, channel, provider, kind, reminder_offset_minutes, schedule_version,
                recipient, event_id, outcome, attempts, provider_message_id, error,
                \(unescaped: PostgresBatch.timestamp("logged_ms"))
            FROM jsonb_to_recordset(\(rows)::jsonb) AS e(
                job_id text, tenant_id text, booking_id text, channel text, provider text, kind text,
                reminder_offset_minutes bigint, schedule_version bigint, recipient text, event_id text, outcome text,
                attempts bigint, provider_message_id text, error text, logged_ms bigint, position bigint)
            ORDER BY position
            ON CONFLICT (booking_id, channel, kind, reminder_offset_minutes, schedule_version, recipient, event_id)
                WHERE outcome = 'sent' DO NOTHING
            RETURNING id, job_id, outcome
            """, logger) {
            let (id, jobID, outcome) = try row.decode((Int64, String, String).self)
            let key = jobID + "\u{0}" + outcome
            if let index = positions[key]?.first {
                ids[index] = id
                positions[key]?.removeFirst()
            }
        }
        return entries.indices.compactMap { index in
            guard let id = ids[index] else { return nil }
            var stored = entries[index]
            stored.id = id
            stored.loggedAt = PostgresDate.stored(stored.loggedAt)
            return stored
        }
    }
}
