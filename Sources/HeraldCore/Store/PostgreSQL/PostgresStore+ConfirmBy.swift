import Foundation
import PostgresNIO

extension PostgresStore {
    public func bookingsPastConfirmBy(_ now: Date, limit: Int) async throws -> [Booking] {
        try await read { connection in
            try await connection.all("""
                SELECT * FROM bookings WHERE confirm_by IS NOT NULL AND confirm_by <= \(now.postgres)
                ORDER BY confirm_by, id COLLATE "C" LIMIT \(limit)
                """, self.logger)
        }
    }

    public func nextConfirmBy() async throws -> Date? {
        try await read { connection in
            try await connection.date("SELECT min(confirm_by) FROM bookings WHERE confirm_by IS NOT NULL", self.logger)
        }
    }
}
