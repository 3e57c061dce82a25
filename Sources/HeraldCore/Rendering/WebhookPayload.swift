import Foundation

/// The JSON body of a webhook: `{"type": ..., "timestamp": ..., "data": {...}}`,
/// the envelope Standard Webhooks recommends, built by the core so every
/// channel sends the same bytes it signs.
public enum WebhookPayload {
    public static func body(for event: BookingEventRecord) -> Data {
        let booking = event.booking
        var data: [String: Any] = [
            "event_id": event.id,
            "booking_id": booking.id,
            "tenant_id": booking.tenantID,
            "status": booking.status.rawValue,
            "start_at": Timestamp.format(booking.startAt),
            "end_at": Timestamp.format(booking.endAt),
            "schedule_version": booking.scheduleVersion,
            "customer_name": booking.customerName,
            "customer_email": booking.customerEmail ?? NSNull(),
            "customer_phone": booking.customerPhone ?? NSNull(),
            "event_type_id": booking.eventTypeID ?? NSNull(),
        ]
        if booking.askedToConfirm { data["asked_to_confirm"] = true }
        if let confirmBy = booking.confirmBy { data["confirm_by"] = Timestamp.format(confirmBy) }
        if let previous = event.previousStartAt { data["previous_start_at"] = Timestamp.format(previous) }
        if let previous = event.previousEndAt { data["previous_end_at"] = Timestamp.format(previous) }
        if let previous = event.previousStatus { data["previous_status"] = previous.rawValue }
        let envelope: [String: Any] = [
            "type": event.type.rawValue,
            "timestamp": Timestamp.format(event.occurredAt),
            "data": data,
        ]
        return encode(envelope)
    }

    /// The body of a `delivery.<status>` event: the sent notification and what its
    /// provider reported, with the customer's address in full (the tenant's own endpoint,
    /// as booking events carry the customer's e-mail and phone).
    public static func body(forDelivery entry: ReminderLogEntry, type: String, eventID: String) -> Data {
        let delivery = entry.delivery
        let data: [String: Any] = [
            "event_id": eventID,
            "log_id": entry.id ?? 0,
            "job_id": entry.jobID,
            "booking_id": entry.bookingID,
            "tenant_id": entry.tenantID,
            "kind": entry.kind.rawValue,
            "channel": entry.channel,
            "provider": entry.provider,
            "recipient": entry.recipient,
            "reminder_offset_minutes": entry.reminderOffsetMinutes,
            "schedule_version": entry.scheduleVersion,
            "provider_message_id": entry.providerMessageID ?? NSNull(),
            "sent_at": Timestamp.format(entry.loggedAt),
            "delivery_status": delivery?.status.rawValue ?? NSNull(),
            "provider_status": delivery?.providerStatus ?? NSNull(),
            "error_code": delivery?.errorCode ?? NSNull(),
            "error": delivery?.error ?? NSNull(),
        ]
        let envelope: [String: Any] = [
            "type": type,
            "timestamp": Timestamp.format(delivery?.at ?? entry.loggedAt),
            "data": data,
        ]
        return encode(envelope)
    }

    /// Sorted keys: the same event always gives the same bytes.
    private static func encode(_ envelope: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// The `type` of a body made here, for the `webhook-...` headers.
    public static func type(of body: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["type"] as? String
    }
}
