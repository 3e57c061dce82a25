import Foundation
import GRDB

extension SQLiteStore {
    public func bookingsPastConfirmBy(_ now: Date, limit: Int) async throws -> [Booking] {
        try await read { db in
            try BookingRow.fetchAll(
                db,
                sql: "SELECT * FROM bookings WHERE confirm_by IS NOT NULL AND confirm_by <= ? ORDER BY confirm_by, id LIMIT ?",
                arguments: [now, limit]
            ).map(\.model)
        }
    }

    public func nextConfirmBy() async throws -> Date? {
        try await read { db in
            try Date.fetchOne(db, sql: "SELECT min(confirm_by) FROM bookings WHERE confirm_by IS NOT NULL")
        }
    }
}
