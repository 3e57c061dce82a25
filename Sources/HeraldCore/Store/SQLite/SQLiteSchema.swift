import GRDB

/// The SQLite schema, as named, append-only migrations.
///
/// A migration that has shipped is never edited: change the schema by registering
/// a new one at the end. `eraseDatabaseOnSchemaChange` is deliberately not used,
/// since it would wipe production data when a migration is edited.
///
/// Conventions: snake_case columns; dates are GRDB's UTC text
/// (`yyyy-MM-dd HH:mm:ss.SSS`, which sorts chronologically); lists are JSON text;
/// booleans are 0/1.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial-schema") { db in
            try db.execute(sql: v1InitialSchema)
        }
        migrator.registerMigration("v2-dispatch") { db in
            try db.execute(sql: v2Dispatch)
        }
        migrator.registerMigration("v3-templates") { db in
            try db.execute(sql: v3Templates)
        }
        migrator.registerMigration("v4-team-destinations") { db in
            try db.execute(sql: v4TeamDestinations)
        }
        migrator.registerMigration("v5-api-keys") { db in
            try db.execute(sql: v5APIKeys)
        }
        migrator.registerMigration("v6-idempotency-keys") { db in
            try db.execute(sql: v6IdempotencyKeys)
        }
        migrator.registerMigration("v7-delivery-states") { db in
            try db.execute(sql: v7DeliveryStates)
        }
        migrator.registerMigration("v8-link-keys") { db in
            try db.execute(sql: v8LinkKeys)
        }
        migrator.registerMigration("v9-event-type-fallback") { db in
            try db.execute(sql: v9EventTypeFallback)
        }
        migrator.registerMigration("v10-pending-replies") { db in
            try db.execute(sql: v10PendingReplies)
        }
        migrator.registerMigration("v11-customer-links") { db in
            try db.execute(sql: "ALTER TABLE notification_settings ADD COLUMN customer_links INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v12-ask-confirmation") { db in
            try db.execute(sql: v12AskConfirmation)
            // booking.unconfirmed is a new event type, and SQLite cannot change a CHECK:
            // the events table is rebuilt, keeping the sequence's high-water mark (events
            // trimmed from the end must not have their sequences handed out again).
            let highWater = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'booking_events'")
            try db.execute(sql: v12BookingEventsRebuild)
            if let highWater {
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'booking_events'")
                try db.execute(
                    sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('booking_events', ?)", arguments: [highWater])
            }
        }
        migrator.registerMigration("v13-provider-accounts") { db in
            try db.execute(sql: v13ProviderAccounts)
        }
        return migrator
    }

    /// Provider accounts: each job names the account it is sent with ("" the default),
    /// and tenants choose one per channel.
    static let v13ProviderAccounts = """
        ALTER TABLE notification_jobs ADD COLUMN account TEXT NOT NULL DEFAULT '';
        ALTER TABLE notification_settings ADD COLUMN email_account TEXT;
        ALTER TABLE notification_settings ADD COLUMN sms_account TEXT;
        ALTER TABLE notification_settings ADD COLUMN whatsapp_account TEXT;
        ALTER TABLE event_types ADD COLUMN email_account TEXT;
        ALTER TABLE event_types ADD COLUMN sms_account TEXT;
        ALTER TABLE event_types ADD COLUMN whatsapp_account TEXT;
        CREATE TABLE provider_accounts (
            channel TEXT NOT NULL,
            provider TEXT NOT NULL,
            name TEXT NOT NULL,
            senders TEXT NOT NULL, -- JSON array
            rate_per_second REAL NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (channel, provider, name)
        );
        """

    private static let v1InitialSchema = """
        CREATE TABLE tenants (
            id TEXT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE notification_settings (
            tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
            email_enabled INTEGER NOT NULL CHECK (email_enabled IN (0, 1)),
            sms_enabled INTEGER NOT NULL CHECK (sms_enabled IN (0, 1)),
            whatsapp_enabled INTEGER NOT NULL CHECK (whatsapp_enabled IN (0, 1)),
            reminder_offsets TEXT NOT NULL,
            sms_provider TEXT NOT NULL CHECK (sms_provider IN ('twilio', 'vonage')),
            sms_failover INTEGER NOT NULL CHECK (sms_failover IN (0, 1)),
            time_zone TEXT NOT NULL,
            -- Quiet hours are either fully set or absent.
            quiet_start_minute INTEGER CHECK (quiet_start_minute BETWEEN 0 AND 1439),
            quiet_end_minute INTEGER CHECK (quiet_end_minute BETWEEN 0 AND 1439),
            follow_up_enabled INTEGER NOT NULL CHECK (follow_up_enabled IN (0, 1)),
            follow_up_minutes INTEGER NOT NULL,
            sender_name TEXT NOT NULL,
            reply_to_email TEXT,
            locale TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((quiet_start_minute IS NULL) = (quiet_end_minute IS NULL))
        );

        CREATE TABLE event_types (
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
            reminder_offsets TEXT, -- NULL: the tenant's offsets
            host_emails TEXT NOT NULL,
            send_confirmation INTEGER NOT NULL CHECK (send_confirmation IN (0, 1)),
            send_reschedule_notice INTEGER NOT NULL CHECK (send_reschedule_notice IN (0, 1)),
            send_cancellation_notice INTEGER NOT NULL CHECK (send_cancellation_notice IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, id)
        );

        CREATE TABLE bookings (
            id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            event_type_id TEXT,
            customer_name TEXT NOT NULL,
            customer_email TEXT,
            customer_phone TEXT,
            start_at TEXT NOT NULL,
            end_at TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')),
            schedule_version INTEGER NOT NULL CHECK (schedule_version >= 1),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (end_at >= start_at),
            -- Not enforced while event_type_id is NULL (SQL's rule for composite keys).
            FOREIGN KEY (tenant_id, event_type_id) REFERENCES event_types(tenant_id, id)
        );
        CREATE INDEX bookings_by_tenant_start ON bookings(tenant_id, start_at);

        CREATE TABLE webhook_subscriptions (
            id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            event_types TEXT NOT NULL, -- JSON array; empty: all
            secret TEXT NOT NULL,
            enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
            disabled_reason TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX webhook_subscriptions_by_tenant ON webhook_subscriptions(tenant_id);

        -- The outbox. subscription_id has no foreign key: deleting a subscription
        -- must not rewrite or block the history of its deliveries.
        CREATE TABLE notification_jobs (
            id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up', 'webhook')),
            channel TEXT NOT NULL,
            provider TEXT,
            recipient TEXT NOT NULL,
            reminder_offset_minutes INTEGER NOT NULL,
            schedule_version INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            subscription_id TEXT,
            due_at TEXT NOT NULL,
            not_after TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'sent', 'failed',
                'skipped', 'missed', 'cancelled')),
            attempt INTEGER NOT NULL CHECK (attempt >= 0),
            leased_to TEXT,
            lease_expires_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- The dispatcher's question: the earliest due pending job (and leases to expire).
        CREATE INDEX notification_jobs_by_status_due ON notification_jobs(status, due_at);
        CREATE INDEX notification_jobs_by_booking ON notification_jobs(booking_id);

        -- job_id has no foreign key: an outcome may be logged for a notification
        -- that never became a job (a reminder skipped at planning time).
        CREATE TABLE reminder_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            provider TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up', 'webhook')),
            reminder_offset_minutes INTEGER NOT NULL,
            schedule_version INTEGER NOT NULL,
            recipient TEXT NOT NULL,
            event_id TEXT NOT NULL,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('sent', 'failed', 'skipped', 'missed', 'cancelled')),
            attempts INTEGER NOT NULL,
            provider_message_id TEXT,
            error TEXT,
            logged_at TEXT NOT NULL
        );
        -- At most one `sent` per notification, whatever crashes or redeliveries happen.
        CREATE UNIQUE INDEX reminder_log_one_sent ON reminder_log(
            booking_id, channel, kind, reminder_offset_minutes, schedule_version, recipient, event_id
        ) WHERE outcome = 'sent';
        CREATE INDEX reminder_log_by_tenant ON reminder_log(tenant_id, id);
        CREATE INDEX reminder_log_by_booking ON reminder_log(booking_id, id);

        -- AUTOINCREMENT: a sequence is never reused, even after the last row is deleted,
        -- so consumers can resume from the last sequence they saw.
        CREATE TABLE booking_events (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('booking.created', 'booking.confirmed',
                'booking.rescheduled', 'booking.cancelled', 'booking.completed', 'booking.no_show')),
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            occurred_at TEXT NOT NULL,
            booking TEXT NOT NULL, -- JSON snapshot after the change
            previous_start_at TEXT,
            previous_end_at TEXT,
            previous_status TEXT
                CHECK (previous_status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show'))
        );
        CREATE INDEX booking_events_by_tenant ON booking_events(tenant_id, sequence);
        CREATE INDEX booking_events_by_booking ON booking_events(booking_id, sequence);
        """

    /// SMS failover, and indexes for the dispatcher's queries.
    ///
    /// The queue indexes are partial, so the ever-growing history of finished jobs
    /// (sent, failed, ...) is not in them. A query uses a partial index only when its
    /// WHERE clause names the same literal status (`status = 'pending'`), not a parameter.
    private static let v2Dispatch = """
        ALTER TABLE notification_jobs ADD COLUMN fallback_provider TEXT;

        -- Leasing (channel = ? AND due_at <= ? ORDER BY due_at), the next due time per
        -- channel, and queue counts: pending jobs only.
        CREATE INDEX notification_jobs_pending_by_channel_due
            ON notification_jobs(channel, due_at) WHERE status = 'pending';
        -- Lease expiry and release: leased jobs only.
        CREATE INDEX notification_jobs_leased_by_expiry
            ON notification_jobs(lease_expires_at) WHERE status = 'leased';
        -- Superseded by the two above; dropped so that job writes maintain fewer indexes.
        DROP INDEX notification_jobs_by_status_due;
        """

    /// Per-tenant message templates; a missing row means Herald's default wording.
    private static let v3Templates = """
        CREATE TABLE message_templates (
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up')),
            channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
            subject TEXT,
            body TEXT NOT NULL,
            html_body TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, kind, channel)
        );
        """

    /// Team destinations (booking notes on any channel), the job column that ties a
    /// job to its destination, and templates for custom channels.
    ///
    /// SQLite cannot change a CHECK constraint, so `message_templates` is rebuilt
    /// with the wider channel rule and its rows copied over.
    private static let v4TeamDestinations = """
        CREATE TABLE team_destinations (
            id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            channel TEXT NOT NULL CHECK (channel NOT IN ('webhook', 'sms', 'whatsapp')),
            recipient TEXT NOT NULL,
            event_types TEXT NOT NULL, -- JSON array, never empty
            enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
            disabled_reason TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (tenant_id, channel, recipient)
        );

        -- Like subscription_id, no foreign key: removing a destination keeps the
        -- history of its jobs (its pending ones are cancelled at send time).
        ALTER TABLE notification_jobs ADD COLUMN team_destination_id TEXT;

        CREATE TABLE message_templates_v4 (
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up')),
            channel TEXT NOT NULL CHECK (channel <> 'webhook' AND length(channel) BETWEEN 1 AND 32),
            subject TEXT,
            body TEXT NOT NULL,
            html_body TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, kind, channel)
        );
        INSERT INTO message_templates_v4 (tenant_id, kind, channel, subject, body, html_body, updated_at)
            SELECT tenant_id, kind, channel, subject, body, html_body, updated_at FROM message_templates;
        DROP TABLE message_templates;
        ALTER TABLE message_templates_v4 RENAME TO message_templates;
        """

    /// API keys of the HTTP gateway. Only the SHA-256 of a key is stored; `prefix`
    /// is its first characters, not enough to use it, for telling keys apart.
    private static let v5APIKeys = """
        CREATE TABLE api_keys (
            id TEXT NOT NULL PRIMARY KEY,
            tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('tenant', 'admin')),
            prefix TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            CHECK (role = 'admin' OR tenant_id IS NOT NULL)
        );
        CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);
        """

    /// Answers of the HTTP gateway to requests with an `Idempotency-Key`, per API
    /// key (`scope`), so a retry gets the first answer even after a gateway restart.
    /// A row without `status` is a request still running.
    private static let v6IdempotencyKeys = """
        CREATE TABLE idempotency_keys (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            status INTEGER,
            body BLOB,
            content_type TEXT,
            location TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_keys_by_created ON idempotency_keys(created_at);
        """

    /// Delivery receipts: the newest delivery status of each `sent` ReminderLog row,
    /// beside the log (which stays append-only), the index receipts find their row by
    /// (the provider's message id; partial, so only sent rows are in it), and the
    /// job column that carries the body of a webhook about a delivery status, the
    /// tenant's fallback rule, and the suppression list (opt-outs).
    static let v7DeliveryStates = """
        CREATE TABLE delivery_states (
            log_id INTEGER NOT NULL PRIMARY KEY REFERENCES reminder_log(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('sent', 'undelivered', 'delivered', 'read')),
            status_at TEXT NOT NULL,
            provider_status TEXT,
            error_code TEXT,
            error TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX reminder_log_sent_by_message ON reminder_log(provider, provider_message_id)
            WHERE outcome = 'sent' AND provider_message_id IS NOT NULL;

        -- The body of a webhook about a delivery status (not a booking event).
        ALTER TABLE notification_jobs ADD COLUMN payload TEXT;

        -- Fallback before the appointment: where an undelivered SMS or WhatsApp
        -- message goes instead, and how long to wait for a delivery report.
        ALTER TABLE notification_settings ADD COLUMN fallback_channel TEXT
            CHECK (fallback_channel IN ('email', 'sms'));
        ALTER TABLE notification_settings ADD COLUMN fallback_after_minutes INTEGER NOT NULL DEFAULT 0
            CHECK (fallback_after_minutes >= 0);
        -- Reply keywords that confirm or cancel the customer's next booking (JSON arrays).
        ALTER TABLE notification_settings ADD COLUMN reply_confirm_keywords TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE notification_settings ADD COLUMN reply_cancel_keywords TEXT NOT NULL DEFAULT '[]';

        -- Opt-outs: recipients a tenant must not message on a channel.
        CREATE TABLE suppressions (
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
            recipient TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('all', 'follow_up')),
            reason TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('reply', 'provider', 'admin', 'unsubscribe')),
            created_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, channel, recipient, scope)
        );
        -- Customers' messages seen lately, by the provider's id: one sent again changes nothing.
        CREATE TABLE inbound_messages (
            provider TEXT NOT NULL,
            provider_message_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (provider, provider_message_id)
        );
        CREATE INDEX inbound_messages_by_time ON inbound_messages(received_at);
        -- Whose customer a replying number is (a STOP applies to every tenant that has a booking for it).
        CREATE INDEX bookings_by_customer_phone ON bookings(customer_phone) WHERE customer_phone IS NOT NULL;
        """

    /// The keys that sign customers' links (unsubscribe): one current (retires_at
    /// NULL, at most one: the unique index on a constant), the rest verify until
    /// they retire.
    static let v8LinkKeys = """
        CREATE TABLE link_keys (
            id TEXT NOT NULL PRIMARY KEY,
            secret BLOB NOT NULL,
            created_at TEXT NOT NULL,
            retires_at TEXT
        );
        CREATE UNIQUE INDEX link_keys_one_current ON link_keys((retires_at IS NULL)) WHERE retires_at IS NULL;
        """

    /// An event type's own fallback rule: NULL channel for the tenant's, 'off' for none.
    /// Asking customers to confirm (tenant and event type), calendar invites switched
    /// per tenant and event type, the event type's location and description, and each
    /// booking's confirmation state.
    static let v12AskConfirmation = """
        ALTER TABLE notification_settings ADD COLUMN ask_confirmation INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notification_settings ADD COLUMN confirm_deadline_minutes INTEGER NOT NULL DEFAULT 0
            CHECK (confirm_deadline_minutes >= 0);
        ALTER TABLE notification_settings ADD COLUMN cancel_unconfirmed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notification_settings ADD COLUMN calendar_invites INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE event_types ADD COLUMN ask_confirmation INTEGER;
        ALTER TABLE event_types ADD COLUMN calendar_invites INTEGER;
        ALTER TABLE event_types ADD COLUMN location TEXT;
        ALTER TABLE event_types ADD COLUMN description TEXT;
        ALTER TABLE bookings ADD COLUMN asked_to_confirm INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE bookings ADD COLUMN confirm_by TEXT;
        CREATE INDEX bookings_by_confirm_by ON bookings(confirm_by) WHERE confirm_by IS NOT NULL;
        """

    /// `booking_events` as v1 made it, with `booking.unconfirmed` allowed.
    static let v12BookingEventsRebuild = """
        CREATE TABLE booking_events_v12 (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('booking.created', 'booking.confirmed',
                'booking.rescheduled', 'booking.cancelled', 'booking.completed', 'booking.no_show',
                'booking.unconfirmed')),
            tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            occurred_at TEXT NOT NULL,
            booking TEXT NOT NULL,
            previous_start_at TEXT,
            previous_end_at TEXT,
            previous_status TEXT
                CHECK (previous_status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show'))
        );
        INSERT INTO booking_events_v12 SELECT * FROM booking_events;
        DROP TABLE booking_events;
        ALTER TABLE booking_events_v12 RENAME TO booking_events;
        CREATE INDEX booking_events_by_tenant ON booking_events(tenant_id, sequence);
        CREATE INDEX booking_events_by_booking ON booking_events(booking_id, sequence);
        """

    static let v9EventTypeFallback = """
        ALTER TABLE event_types ADD COLUMN fallback_channel TEXT
            CHECK (fallback_channel IN ('email', 'sms', 'off'));
        ALTER TABLE event_types ADD COLUMN fallback_after_minutes INTEGER NOT NULL DEFAULT 0
            CHECK (fallback_after_minutes >= 0);
        """

    /// Customers' replies kept until they have acted (confirm or cancel by keyword),
    /// with the booking each acts on once decided.
    static let v10PendingReplies = """
        CREATE TABLE pending_replies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            provider TEXT NOT NULL,
            provider_message_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            text TEXT NOT NULL,
            received_at TEXT NOT NULL,
            booking_id TEXT,
            action TEXT CHECK (action IN ('confirm', 'cancel'))
        );
        """
}
