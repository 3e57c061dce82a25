import Foundation
import NIOCore
import PostgresNIO

/// A date as the PostgreSQL store writes and reads it: a `timestamptz` at
/// millisecond precision, the precision every store keeps (TenantConfigurationStore).
///
/// postgres-nio's own `Date` coding multiplies seconds by a million in floating
/// point and truncates, so a whole millisecond can come back a microsecond short;
/// this one rounds to the nearest millisecond as the SQLite store does, writes whole
/// microseconds, and reads back exactly the date of that millisecond.
struct PostgresDate: PostgresNonThrowingEncodable, PostgresDecodable, Sendable {
    /// Milliseconds since 1970.
    let milliseconds: Int64

    /// PostgreSQL counts from 2000-01-01, in microseconds.
    private static let postgresEpochMilliseconds: Int64 = 946_684_800_000

    init(_ date: Date) {
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    var date: Date {
        // Through the reference date, as `Date` keeps it: whole seconds stay exact.
        Date(timeIntervalSinceReferenceDate: Double(milliseconds - 978_307_200_000) / 1000)
    }

    /// The date a value written as `date` reads back as.
    static func stored(_ date: Date) -> Date { PostgresDate(date).date }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger((milliseconds - Self.postgresEpochMilliseconds) * 1000)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp, format == .binary,
              buffer.readableBytes == 8, let microseconds = buffer.readInteger(as: Int64.self)
        else { throw PostgresDecodingError.Code.typeMismatch }
        let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: 1000)
        milliseconds = (remainder < 0 ? quotient - 1 : quotient) + Self.postgresEpochMilliseconds
    }
}

extension Date {
    /// This date as the PostgreSQL store binds it.
    var postgres: PostgresDate { PostgresDate(self) }
}
