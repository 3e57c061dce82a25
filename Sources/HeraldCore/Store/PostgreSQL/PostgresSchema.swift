import Foundation

/// The PostgreSQL schema, as named, append-only migrations, the same shape as the
/// SQLite schema (SQLiteSchema.swift): the same tables, columns and keys, so that
/// `heraldd copy` moves rows across one to one.
///
/// A migration that has shipped is never edited: change the schema by adding one at
/// the end (for both stores). Applied names are kept in `herald_migrations`; cores
/// that start at once on one database migrate one at a time (an advisory lock).
///
/// Conventions that differ from SQLite, where PostgreSQL has a better type:
/// dates are `timestamptz` (written at millisecond precision, PostgresDate.swift),
/// booleans `boolean`, integers `bigint`, the idempotency body `bytea`. Lists and the
/// booking snapshot stay JSON text, byte for byte what the SQLite store writes.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1-initial-schema", v1InitialSchema),
        ("v2-dispatch", v2Dispatch),
        ("v3-templates", v3Templates),
        ("v4-team-destinations", v4TeamDestinations),
        ("v5-api-keys", v5APIKeys),
        ("v6-idempotency-keys", v6IdempotencyKeys),
        ("v7-core-leases", v7CoreLeases),
        ("v8-delivery-states", v8DeliveryStates),
        ("v9-link-keys", v9LinkKeys),
        ("v10-event-type-fallback", v10EventTypeFallback),
        ("v11-pending-replies", v11PendingReplies),
        // Confirm and cancel links in customers' messages, per tenant.
        ("v12-customer-links", "ALTER TABLE notification_settings ADD COLUMN customer_links boolean NOT NULL DEFAULT false"),
        ("v13-ask-confirmation", v13AskConfirmation),
        ("v14-provider-accounts", v14ProviderAccounts),
    ]

    /// A migration's statements (each ends with `;` at the end of a line; no
    /// statement of these migrations has one elsewhere).
    static func statements(of sql: String) -> [String] {
        sql.components(separatedBy: ";\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";"))) }
            .filter { !$0.isEmpty }
    }

    /// Any constant will do; it only has to be the same for every core.
    static let migrationLock: Int64 = 0x4865_7261_6C64_4D31 // "HeraldM1"

    private static let v1InitialSchema = """
        CREATE TABLE tenants (
            id text NOT NULL PRIMARY KEY,
            name text NOT NULL,
            created_at timestamptz NOT NULL
        );

        CREATE TABLE notification_settings (
            tenant_id text NOT NULL PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
            email_enabled boolean NOT NULL,
            sms_enabled boolean NOT NULL,
            whatsapp_enabled boolean NOT NULL,
            reminder_offsets text NOT NULL,
            sms_provider text NOT NULL CHECK (sms_provider IN ('twilio', 'vonage')),
            sms_failover boolean NOT NULL,
            time_zone text NOT NULL,
            quiet_start_minute bigint CHECK (quiet_start_minute BETWEEN 0 AND 1439),
            quiet_end_minute bigint CHECK (quiet_end_minute BETWEEN 0 AND 1439),
            follow_up_enabled boolean NOT NULL,
            follow_up_minutes bigint NOT NULL,
            sender_name text NOT NULL,
            reply_to_email text,
            locale text NOT NULL,
            updated_at timestamptz NOT NULL,
            CHECK ((quiet_start_minute IS NULL) = (quiet_end_minute IS NULL))
        );

        CREATE TABLE event_types (
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            id text NOT NULL,
            name text NOT NULL,
            duration_minutes bigint NOT NULL CHECK (duration_minutes > 0),
            reminder_offsets text,
            host_emails text NOT NULL,
            send_confirmation boolean NOT NULL,
            send_reschedule_notice boolean NOT NULL,
            send_cancellation_notice boolean NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (tenant_id, id)
        );

        CREATE TABLE bookings (
            id text NOT NULL PRIMARY KEY,
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            event_type_id text,
            customer_name text NOT NULL,
            customer_email text,
            customer_phone text,
            start_at timestamptz NOT NULL,
            end_at timestamptz NOT NULL,
            status text NOT NULL
                CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')),
            schedule_version bigint NOT NULL CHECK (schedule_version >= 1),
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            CHECK (end_at >= start_at),
            FOREIGN KEY (tenant_id, event_type_id) REFERENCES event_types(tenant_id, id)
        );
        CREATE INDEX bookings_by_tenant_start ON bookings(tenant_id, start_at);

        CREATE TABLE webhook_subscriptions (
            id text NOT NULL PRIMARY KEY,
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            url text NOT NULL,
            event_types text NOT NULL,
            secret text NOT NULL,
            enabled boolean NOT NULL,
            disabled_reason text,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX webhook_subscriptions_by_tenant ON webhook_subscriptions(tenant_id);

        -- The outbox. `seq` orders jobs due at the same moment in insertion order
        -- (SQLite's rowid). subscription_id has no foreign key: deleting a
        -- subscription must not rewrite or block the history of its deliveries.
        CREATE TABLE notification_jobs (
            seq bigint GENERATED ALWAYS AS IDENTITY,
            id text NOT NULL PRIMARY KEY,
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id text NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            kind text NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up', 'webhook')),
            channel text NOT NULL,
            provider text,
            recipient text NOT NULL,
            reminder_offset_minutes bigint NOT NULL,
            schedule_version bigint NOT NULL,
            event_id text NOT NULL,
            subscription_id text,
            due_at timestamptz NOT NULL,
            not_after timestamptz,
            status text NOT NULL CHECK (status IN ('pending', 'leased', 'sent', 'failed',
                'skipped', 'missed', 'cancelled')),
            attempt bigint NOT NULL CHECK (attempt >= 0),
            leased_to text,
            lease_expires_at timestamptz,
            last_error text,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX notification_jobs_by_booking ON notification_jobs(booking_id);

        -- job_id has no foreign key: an outcome may be logged for a notification
        -- that never became a job (a reminder skipped at planning time).
        CREATE TABLE reminder_log (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            job_id text NOT NULL,
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id text NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            channel text NOT NULL,
            provider text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up', 'webhook')),
            reminder_offset_minutes bigint NOT NULL,
            schedule_version bigint NOT NULL,
            recipient text NOT NULL,
            event_id text NOT NULL,
            outcome text NOT NULL
                CHECK (outcome IN ('sent', 'failed', 'skipped', 'missed', 'cancelled')),
            attempts bigint NOT NULL,
            provider_message_id text,
            error text,
            logged_at timestamptz NOT NULL
        );
        -- At most one `sent` per notification, whatever crashes, redeliveries or
        -- cores happen: the database's promise, not any core's memory.
        CREATE UNIQUE INDEX reminder_log_one_sent ON reminder_log(
            booking_id, channel, kind, reminder_offset_minutes, schedule_version, recipient, event_id
        ) WHERE outcome = 'sent';
        CREATE INDEX reminder_log_by_tenant ON reminder_log(tenant_id, id);
        CREATE INDEX reminder_log_by_booking ON reminder_log(booking_id, id);

        -- Sequences are assigned under a lock held to commit (PostgresStore+Bookings.swift),
        -- so they increase in commit order and a reader resuming after one misses none.
        CREATE TABLE booking_events (
            sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            type text NOT NULL CHECK (type IN ('booking.created', 'booking.confirmed',
                'booking.rescheduled', 'booking.cancelled', 'booking.completed', 'booking.no_show')),
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            booking_id text NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            occurred_at timestamptz NOT NULL,
            booking text NOT NULL,
            previous_start_at timestamptz,
            previous_end_at timestamptz,
            previous_status text
                CHECK (previous_status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show'))
        );
        CREATE INDEX booking_events_by_tenant ON booking_events(tenant_id, sequence);
        CREATE INDEX booking_events_by_booking ON booking_events(booking_id, sequence);
        """

    /// SMS failover, and the queue's partial indexes: only open jobs are in them,
    /// never the ever-growing history, so the queue queries stay fast as it grows.
    private static let v2Dispatch = """
        ALTER TABLE notification_jobs ADD COLUMN fallback_provider text;
        CREATE INDEX notification_jobs_pending_by_channel_due
            ON notification_jobs(channel, due_at, seq) WHERE status = 'pending';
        CREATE INDEX notification_jobs_leased_by_expiry
            ON notification_jobs(lease_expires_at) WHERE status = 'leased';
        """

    private static let v3Templates = """
        CREATE TABLE message_templates (
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            kind text NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'reschedule',
                'cancellation', 'host_notification', 'follow_up')),
            channel text NOT NULL CHECK (channel <> 'webhook' AND length(channel) BETWEEN 1 AND 32),
            subject text,
            body text NOT NULL,
            html_body text,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (tenant_id, kind, channel)
        );
        """

    private static let v4TeamDestinations = """
        CREATE TABLE team_destinations (
            id text NOT NULL PRIMARY KEY,
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            channel text NOT NULL CHECK (channel NOT IN ('webhook', 'sms', 'whatsapp')),
            recipient text NOT NULL,
            event_types text NOT NULL,
            enabled boolean NOT NULL,
            disabled_reason text,
            created_at timestamptz NOT NULL,
            UNIQUE (tenant_id, channel, recipient)
        );
        ALTER TABLE notification_jobs ADD COLUMN team_destination_id text;
        """

    private static let v5APIKeys = """
        CREATE TABLE api_keys (
            id text NOT NULL PRIMARY KEY,
            tenant_id text REFERENCES tenants(id) ON DELETE CASCADE,
            role text NOT NULL CHECK (role IN ('tenant', 'admin')),
            prefix text NOT NULL,
            hash text NOT NULL UNIQUE,
            name text NOT NULL,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz,
            CHECK (role = 'admin' OR tenant_id IS NOT NULL)
        );
        CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);
        """

    private static let v6IdempotencyKeys = """
        CREATE TABLE idempotency_keys (
            scope text NOT NULL,
            key text NOT NULL,
            fingerprint text NOT NULL,
            status bigint,
            body bytea,
            content_type text,
            location text,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_keys_by_created ON idempotency_keys(created_at);
        """

    /// Several cores on one database: a lease names the core that holds it, so a core
    /// that starts gives back only its own leases (another core's are in flight), and
    /// a dead core's leases expire for the others to hand out again.
    private static let v7CoreLeases = """
        ALTER TABLE notification_jobs ADD COLUMN leased_by_core text;
        CREATE INDEX notification_jobs_leased_by_core
            ON notification_jobs(leased_by_core) WHERE status = 'leased';
        """

    /// Delivery receipts, as SQLite's "v7-delivery-states".
    private static let v8DeliveryStates = """
        CREATE TABLE delivery_states (
            log_id bigint NOT NULL PRIMARY KEY REFERENCES reminder_log(id) ON DELETE CASCADE,
            status text NOT NULL CHECK (status IN ('sent', 'undelivered', 'delivered', 'read')),
            status_at timestamptz NOT NULL,
            provider_status text,
            error_code text,
            error text,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX reminder_log_sent_by_message ON reminder_log(provider, provider_message_id)
            WHERE outcome = 'sent' AND provider_message_id IS NOT NULL;
        ALTER TABLE notification_jobs ADD COLUMN payload text;
        ALTER TABLE notification_settings ADD COLUMN fallback_channel text
            CHECK (fallback_channel IN ('email', 'sms'));
        ALTER TABLE notification_settings ADD COLUMN fallback_after_minutes bigint NOT NULL DEFAULT 0
            CHECK (fallback_after_minutes >= 0);
        ALTER TABLE notification_settings ADD COLUMN reply_confirm_keywords text NOT NULL DEFAULT '[]';
        ALTER TABLE notification_settings ADD COLUMN reply_cancel_keywords text NOT NULL DEFAULT '[]';
        CREATE TABLE suppressions (
            tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            channel text NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
            recipient text NOT NULL,
            scope text NOT NULL CHECK (scope IN ('all', 'follow_up')),
            reason text NOT NULL,
            source text NOT NULL CHECK (source IN ('reply', 'provider', 'admin', 'unsubscribe')),
            created_at timestamptz NOT NULL,
            PRIMARY KEY (tenant_id, channel, recipient, scope)
        );
        CREATE INDEX bookings_by_customer_phone ON bookings(customer_phone) WHERE customer_phone IS NOT NULL;
        CREATE TABLE inbound_messages (
            provider text NOT NULL,
            provider_message_id text NOT NULL,
            received_at timestamptz NOT NULL,
            PRIMARY KEY (provider, provider_message_id)
        );
        CREATE INDEX inbound_messages_by_time ON inbound_messages(received_at);
        """

    private static let v9LinkKeys = """
        CREATE TABLE link_keys (
            id text NOT NULL PRIMARY KEY,
            secret bytea NOT NULL,
            created_at timestamptz NOT NULL,
            retires_at timestamptz
        );
        CREATE UNIQUE INDEX link_keys_one_current ON link_keys((retires_at IS NULL)) WHERE retires_at IS NULL;
        """

    private static let v10EventTypeFallback = """
        ALTER TABLE event_types ADD COLUMN fallback_channel text
            CHECK (fallback_channel IN ('email', 'sms', 'off'));
        ALTER TABLE event_types ADD COLUMN fallback_after_minutes bigint NOT NULL DEFAULT 0
            CHECK (fallback_after_minutes >= 0);
        """

    /// Asking customers to confirm (tenant and event type), calendar invites switched
    /// per tenant and event type, the event type's location and description, each
    /// booking's confirmation state, and the `booking.unconfirmed` event.
    private static let v13AskConfirmation = """
        ALTER TABLE notification_settings ADD COLUMN ask_confirmation boolean NOT NULL DEFAULT false;
        ALTER TABLE notification_settings ADD COLUMN confirm_deadline_minutes bigint NOT NULL DEFAULT 0
            CHECK (confirm_deadline_minutes >= 0);
        ALTER TABLE notification_settings ADD COLUMN cancel_unconfirmed boolean NOT NULL DEFAULT false;
        ALTER TABLE notification_settings ADD COLUMN calendar_invites boolean NOT NULL DEFAULT true;
        ALTER TABLE event_types ADD COLUMN ask_confirmation boolean;
        ALTER TABLE event_types ADD COLUMN calendar_invites boolean;
        ALTER TABLE event_types ADD COLUMN location text;
        ALTER TABLE event_types ADD COLUMN description text;
        ALTER TABLE bookings ADD COLUMN asked_to_confirm boolean NOT NULL DEFAULT false;
        ALTER TABLE bookings ADD COLUMN confirm_by timestamptz;
        CREATE INDEX bookings_by_confirm_by ON bookings(confirm_by) WHERE confirm_by IS NOT NULL;
        ALTER TABLE booking_events DROP CONSTRAINT booking_events_type_check;
        ALTER TABLE booking_events ADD CONSTRAINT booking_events_type_check CHECK (type IN ('booking.created',
            'booking.confirmed', 'booking.rescheduled', 'booking.cancelled', 'booking.completed', 'booking.no_show',
            'booking.unconfirmed'));
        """

    /// Provider accounts: each job names the account it is sent with ("" the default),
    /// and tenants choose one per channel.
    private static let v14ProviderAccounts = """
        ALTER TABLE notification_jobs ADD COLUMN account text NOT NULL DEFAULT '';
        ALTER TABLE notification_settings ADD COLUMN email_account text;
        ALTER TABLE notification_settings ADD COLUMN sms_account text;
        ALTER TABLE notification_settings ADD COLUMN whatsapp_account text;
        ALTER TABLE event_types ADD COLUMN email_account text;
        ALTER TABLE event_types ADD COLUMN sms_account text;
        ALTER TABLE event_types ADD COLUMN whatsapp_account text;
        CREATE TABLE provider_accounts (
            channel text NOT NULL,
            provider text NOT NULL,
            name text NOT NULL,
            senders text NOT NULL,
            rate_per_second double precision NOT NULL,
            seen_at timestamptz NOT NULL,
            PRIMARY KEY (channel, provider, name)
        );
        """

    private static let v11PendingReplies = """
        CREATE TABLE pending_replies (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            channel text NOT NULL,
            provider text NOT NULL,
            provider_message_id text NOT NULL,
            sender text NOT NULL,
            text text NOT NULL,
            received_at timestamptz NOT NULL,
            booking_id text,
            action text CHECK (action IN ('confirm', 'cancel'))
        );
        """
}
