import Foundation
import PostgresNIO

// The INSERT of each model the PostgreSQL store writes, with every column named
// beside its value. Lists and the booking snapshot are JSON text, as on SQLite.
enum PostgresInsert {
    static func tenant(_ t: Tenant) -> PostgresQuery {
        "INSERT INTO tenants (id, name, created_at) VALUES (\(t.id), \(t.name), \(t.createdAt.postgres))"
    }

    static func settings(_ s: NotificationSettings, update: Bool = false) throws -> PostgresQuery {
        let offsets = try JSONColumn.encode(s.reminderOffsets)
        let start = s.quietHours.map { $0.startMinute }
        let end = s.quietHours.map { $0.endMinute }
        let confirm = try JSONColumn.encode(s.replyConfirmKeywords)
        let cancel = try JSONColumn.encode(s.replyCancelKeywords)
        if update {
            return """
                UPDATE notification_settings SET
                    email_enabled = \(s.emailEnabled), sms_enabled = \(s.smsEnabled),
                    whatsapp_enabled = \(s.whatsappEnabled), reminder_offsets = \(offsets),
                    sms_provider = \(s.smsProvider.rawValue), sms_failover = \(s.smsFailover),
                    time_zone = \(s.timeZone), quiet_start_minute = \(start), quiet_end_minute = \(end),
                    follow_up_enabled = \(s.followUpEnabled), follow_up_minutes = \(s.followUpMinutes),
                    sender_name = \(s.senderName), reply_to_email = \(s.replyToEmail), locale = \(s.locale),
                    fallback_channel = \(s.fallbackChannel?.rawValue), fallback_after_minutes = \(s.fallbackAfterMinutes),
                    reply_confirm_keywords = \(confirm), reply_cancel_keywords = \(cancel),
                    customer_links = \(s.customerLinks), ask_confirmation = \(s.askConfirmation),
                    confirm_deadline_minutes = \(s.confirmDeadlineMinutes), cancel_unconfirmed = \(s.cancelUnconfirmed),
                    calendar_invites = \(s.calendarInvites), email_account = \(s.emailAccount),
                    sms_account = \(s.smsAccount), whatsapp_account = \(s.whatsappAccount),
                    updated_at = \(s.updatedAt.postgres)
                WHERE tenant_id = \(s.tenantID)
                RETURNING 1
                """
        }
        return """
            INSERT INTO notification_settings (
                tenant_id, email_enabled, sms_enabled, whatsapp_enabled, reminder_offsets, sms_provider,
                sms_failover, time_zone, quiet_start_minute, quiet_end_minute, follow_up_enabled,
                follow_up_minutes, sender_name, reply_to_email, locale, fallback_channel, fallback_after_minutes,
                reply_confirm_keywords, reply_cancel_keywords, customer_links, ask_confirmation,
                confirm_deadline_minutes, cancel_unconfirmed, calendar_invites, email_account, sms_account,
                whatsapp_account, updated_at
            ) VALUES (
                \(s.tenantID), \(s.emailEnabled), \(s.smsEnabled), \(s.whatsappEnabled), \(offsets),
                \(s.smsProvider.rawValue), \(s.smsFailover), \(s.timeZone), \(start), \(end),
                \(s.followUpEnabled), \(s.followUpMinutes), \(s.senderName), \(s.replyToEmail), \(s.locale),
                \(s.fallbackChannel?.rawValue), \(s.fallbackAfterMinutes), \(confirm), \(cancel), \(s.customerLinks),
                \(s.askConfirmation), \(s.confirmDeadlineMinutes), \(s.cancelUnconfirmed), \(s.calendarInvites),
                \(s.emailAccount), \(s.smsAccount), \(s.whatsappAccount), \(s.updatedAt.postgres)
            )
            """
    }

    static func eventType(_ e: EventType, update: Bool = false) throws -> PostgresQuery {
        let offsets = try e.reminderOffsets.map { try JSONColumn.encode($0) }
        let hosts = try JSONColumn.encode(e.hostEmails)
        if update {
            return """
                UPDATE event_types SET
                    name = \(e.name), duration_minutes = \(e.durationMinutes), reminder_offsets = \(offsets),
                    host_emails = \(hosts), send_confirmation = \(e.sendConfirmation),
                    send_reschedule_notice = \(e.sendRescheduleNotice),
                    send_cancellation_notice = \(e.sendCancellationNotice),
                    fallback_channel = \(e.fallback?.channelName), fallback_after_minutes = \(e.fallback?.afterMinutes ?? 0),
                    ask_confirmation = \(e.askConfirmation), calendar_invites = \(e.calendarInvites),
                    location = \(e.location), description = \(e.details),
                    email_account = \(e.emailAccount), sms_account = \(e.smsAccount), whatsapp_account = \(e.whatsappAccount),
                    created_at = \(e.createdAt.postgres), updated_at = \(e.updatedAt.postgres)
                WHERE tenant_id = \(e.tenantID) AND id = \(e.id)
                RETURNING 1
                """
        }
        return """
            INSERT INTO event_types (
                tenant_id, id, name, duration_minutes, reminder_offsets, host_emails, send_confirmation,
                send_reschedule_notice, send_cancellation_notice, fallback_channel, fallback_after_minutes,
                ask_confirmation, calendar_invites, location, description, email_account, sms_account,
                whatsapp_account, created_at, updated_at
            ) VALUES (
                \(e.tenantID), \(e.id), \(e.name), \(e.durationMinutes), \(offsets), \(hosts),
                \(e.sendConfirmation), \(e.sendRescheduleNotice), \(e.sendCancellationNotice),
                \(e.fallback?.channelName), \(e.fallback?.afterMinutes ?? 0), \(e.askConfirmation), \(e.calendarInvites),
                \(e.location), \(e.details), \(e.emailAccount), \(e.smsAccount), \(e.whatsappAccount),
                \(e.createdAt.postgres), \(e.updatedAt.postgres)
            )
            """
    }

    static func booking(_ b: Booking) -> PostgresQuery {
        """
        INSERT INTO bookings (
            id, tenant_id, event_type_id, customer_name, customer_email, customer_phone, start_at, end_at,
            status, schedule_version, created_at, updated_at, asked_to_confirm, confirm_by
        ) VALUES (
            \(b.id), \(b.tenantID), \(b.eventTypeID), \(b.customerName), \(b.customerEmail), \(b.customerPhone),
            \(b.startAt.postgres), \(b.endAt.postgres), \(b.status.rawValue), \(b.scheduleVersion),
            \(b.createdAt.postgres), \(b.updatedAt.postgres), \(b.askedToConfirm), \(b.confirmBy?.postgres)
        )
        """
    }

    static func updateBooking(_ b: Booking) -> PostgresQuery {
        """
        UPDATE bookings SET
            event_type_id = \(b.eventTypeID), customer_name = \(b.customerName),
            customer_email = \(b.customerEmail), customer_phone = \(b.customerPhone),
            start_at = \(b.startAt.postgres), end_at = \(b.endAt.postgres), status = \(b.status.rawValue),
            schedule_version = \(b.scheduleVersion), created_at = \(b.createdAt.postgres),
            updated_at = \(b.updatedAt.postgres), asked_to_confirm = \(b.askedToConfirm),
            confirm_by = \(b.confirmBy?.postgres)
        WHERE id = \(b.id)
        """
    }

    static func webhook(_ w: WebhookSubscription) throws -> PostgresQuery {
        """
        INSERT INTO webhook_subscriptions (id, tenant_id, url, event_types, secret, enabled, disabled_reason, created_at)
        VALUES (\(w.id), \(w.tenantID), \(w.url), \(try JSONColumn.encode(w.eventTypes)), \(w.secret), \(w.enabled),
                \(w.disabledReason), \(w.createdAt.postgres))
        """
    }

    static func teamDestination(_ d: TeamDestination) throws -> PostgresQuery {
        """
        INSERT INTO team_destinations (id, tenant_id, channel, recipient, event_types, enabled, disabled_reason, created_at)
        VALUES (\(d.id), \(d.tenantID), \(d.channel), \(d.recipient), \(try JSONColumn.encode(d.eventTypes)),
                \(d.enabled), \(d.disabledReason), \(d.createdAt.postgres))
        """
    }

    static func job(_ j: NotificationJob) -> PostgresQuery {
        """
        INSERT INTO notification_jobs (
            id, tenant_id, booking_id, kind, channel, provider, fallback_provider, recipient,
            reminder_offset_minutes, schedule_version, event_id, subscription_id, team_destination_id,
            due_at, not_after, status, attempt, leased_to, lease_expires_at, last_error, created_at, updated_at,
            payload, account
        ) VALUES (
            \(j.id), \(j.tenantID), \(j.bookingID), \(j.kind.rawValue), \(j.channel), \(j.provider),
            \(j.fallbackProvider), \(j.recipient), \(j.reminderOffsetMinutes), \(j.scheduleVersion), \(j.eventID),
            \(j.subscriptionID), \(j.teamDestinationID), \(j.dueAt.postgres), \(j.notAfter?.postgres),
            \(j.status.rawValue), \(j.attempt), \(j.leasedTo), \(j.leaseExpiresAt?.postgres), \(j.lastError),
            \(j.createdAt.postgres), \(j.updatedAt.postgres), \(j.payload), \(j.account)
        )
        """
    }

    /// Appends a ReminderLog row and returns its id; nil when it is a second `sent`
    /// row for one notification (the unique index keeps the first, and the
    /// transaction goes on).
    /// A copy from SQLite (`keepingID`) keeps the row's id; otherwise the next one is taken.
    static func log(_ e: ReminderLogEntry, keepingID: Bool = false) -> PostgresQuery {
        let id = keepingID ? e.id : nil
        return """
            INSERT INTO reminder_log (
                id, job_id, tenant_id, booking_id, channel, provider, kind, reminder_offset_minutes, schedule_version,
                recipient, event_id, outcome, attempts, provider_message_id, error, logged_at
            ) OVERRIDING SYSTEM VALUE VALUES (
                coalesce(\(id), nextval(pg_get_serial_sequence('reminder_log', 'id'))),
                \(e.jobID), \(e.tenantID), \(e.bookingID), \(e.channel), \(e.provider), \(e.kind.rawValue),
                \(e.reminderOffsetMinutes), \(e.scheduleVersion), \(e.recipient), \(e.eventID), \(e.outcome.rawValue),
                \(e.attempts), \(e.providerMessageID), \(e.error), \(e.loggedAt.postgres)
            )
            ON CONFLICT (booking_id, channel, kind, reminder_offset_minutes, schedule_version, recipient, event_id)
                WHERE outcome = 'sent' DO NOTHING
            RETURNING id
            """
    }

    /// A copy from SQLite (`keepingSequence`) keeps the event's sequence; otherwise
    /// the next one is taken.
    static func event(_ e: BookingEventRecord, keepingSequence: Bool = false) throws -> PostgresQuery {
        let sequence = keepingSequence ? e.sequence : nil
        return """
            INSERT INTO booking_events (
                sequence, id, type, tenant_id, booking_id, occurred_at, booking, previous_start_at, previous_end_at,
                previous_status
            ) OVERRIDING SYSTEM VALUE VALUES (
                coalesce(\(sequence), nextval(pg_get_serial_sequence('booking_events', 'sequence'))),
                \(e.id), \(e.type.rawValue), \(e.tenantID), \(e.bookingID), \(e.occurredAt.postgres),
                \(try JSONColumn.encode(e.booking)), \(e.previousStartAt?.postgres), \(e.previousEndAt?.postgres),
                \(e.previousStatus?.rawValue)
            )
            RETURNING sequence
            """
    }

    static func template(_ t: MessageTemplate) -> PostgresQuery {
        """
        INSERT INTO message_templates (tenant_id, kind, channel, subject, body, html_body, updated_at)
        VALUES (\(t.tenantID), \(t.kind.rawValue), \(t.channel), \(t.subject), \(t.body), \(t.htmlBody),
                \(t.updatedAt.postgres))
        ON CONFLICT (tenant_id, kind, channel) DO UPDATE SET
            subject = excluded.subject, body = excluded.body, html_body = excluded.html_body,
            updated_at = excluded.updated_at
        """
    }

    static func apiKey(_ k: APIKey) -> PostgresQuery {
        """
        INSERT INTO api_keys (id, tenant_id, role, prefix, hash, name, created_at, revoked_at)
        VALUES (\(k.id), \(k.tenantID), \(k.role.rawValue), \(k.prefix), \(k.hash), \(k.name),
                \(k.createdAt.postgres), \(k.revokedAt?.postgres))
        """
    }
}
