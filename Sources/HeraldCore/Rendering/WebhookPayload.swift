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
        if let previous = event.previousStartAt { data["previous_start_at"] = Timestamp.format(previous) }
        if let previous = event.previousEndAt { data["previous_end_at"] = Timestamp.format(previous) }
        if let previous = event.previousStatus { data["previous_status"] = previous.rawValue }
        let envelope: [String: Any] = [
            "type": event.type.rawValue,
            "timestamp": Timestamp.format(event.occurredAt),
            "data": data,
        ]
        // Sorted keys: the same event always gives the same bytes.
        return (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
