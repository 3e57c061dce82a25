// Bookings and their pending email reminders written straight into a stopped
// core's database with the sqlite3 shell: through the admin API, a million jobs
// (idle) or a hundred thousand (cluster) would take minutes of setup. The rows
// have the shape CreateBooking writes for a tenant with default settings and no
// event type; heraldd must have created the schema and the tenant first.
import Foundation

extension SQLiteShell {
    /// Writes `bookings` confirmed bookings `<prefix>-0000000`... of `tenant`, booking
    /// `i` starting at the SQL expression `start` (in terms of `i`, a UTC timestamp
    /// text as GRDB stores dates, `YYYY-MM-DD HH:MM:SS.SSS`), each with one pending
    /// email reminder per offset in `offsetsMinutes`, in one transaction.
    static func fillReminders(
        _ database: URL, tenant: String, prefix: String, bookings: Int, start: String, offsetsMinutes: [Int]
    ) throws {
        let offsets = offsetsMinutes.map { "SELECT \($0) AS minutes" }.joined(separator: " UNION ALL ")
        try run(database, """
            PRAGMA synchronous = OFF;
            BEGIN;
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(bookings - 1))
            INSERT INTO bookings (id, tenant_id, event_type_id, customer_name, customer_email, customer_phone,
                start_at, end_at, status, schedule_version, created_at, updated_at)
            SELECT printf('\(prefix)-%07d', i), '\(tenant)', NULL, 'Customer ' || i, 'customer' || i || '@example.com', NULL,
                \(start), strftime('%Y-%m-%d %H:%M:%f', \(start), '+3600 seconds'),
                'confirmed', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')
            FROM n;
            INSERT INTO notification_jobs (id, tenant_id, booking_id, kind, channel, provider, recipient,
                reminder_offset_minutes, schedule_version, event_id, subscription_id, due_at, not_after, status,
                attempt, leased_to, lease_expires_at, last_error, created_at, updated_at, fallback_provider)
            SELECT 'job-' || b.id || '-' || o.minutes, b.tenant_id, b.id, 'reminder', 'email', NULL, b.customer_email,
                o.minutes, 1, '', NULL, strftime('%Y-%m-%d %H:%M:%f', b.start_at, printf('-%d minutes', o.minutes)),
                b.start_at, 'pending', 0, NULL, NULL, NULL, b.created_at, b.updated_at, NULL
            FROM bookings b, (\(offsets)) o
            WHERE b.tenant_id = '\(tenant)';
            COMMIT;
            """)
    }
}
