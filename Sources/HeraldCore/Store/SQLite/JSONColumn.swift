import Foundation
import GRDB

/// JSON text for list and snapshot columns.
///
/// Dates inside the JSON use the same text as date columns, so a booking snapshot
/// read back from `booking_events` equals the booking read back from `bookings`.
///
/// The ``ModelRow`` records use this encoder and decoder for their JSON columns
/// instead of GRDB's defaults (which write dates as numbers and escape slashes).
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decoder().decode(T.self, from: Data(text.utf8))
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(String.fromDatabaseValue(date.databaseValue))
        }
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Date.fromDatabaseValue(text.databaseValue) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Not a database date: \(text)")
            }
            return date
        }
        return decoder
    }
}

// Enums are stored as their raw values; decoding an unknown value throws
// (through `Row.decode`) instead of trapping.
extension SMSProvider: DatabaseValueConvertible {}
extension BookingStatus: DatabaseValueConvertible {}
extension BookingEventType: DatabaseValueConvertible {}
extension NotificationKind: DatabaseValueConvertible {}
extension JobStatus: DatabaseValueConvertible {}
extension LogOutcome: DatabaseValueConvertible {}
