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
        String(decoding: try sharedEncoder.encode(value), as: UTF8.self)
    }

    /// A JSON array of strings, written directly: lease calls pass a worker's accounts
    /// (a thousand, with provider accounts) and the ids they lease this way, where the
    /// encoder would cost more than the query. A string that needs escaping (a quote, a
    /// backslash, a control character) takes the encoder.
    static func encode(strings: some Collection<String>) throws -> String {
        var text = "["
        text.reserveCapacity(strings.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, string) in strings.enumerated() {
            guard !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return try encode(Array(strings))
            }
            if index > 0 { text += "," }
            text += "\""
            text += string
            text += "\""
        }
        return text + "]"
    }

    /// One encoder for ``encode(_:)`` (every booking write encodes its event's snapshot):
    /// its options never change, and encoding does not mutate it.
    private static let sharedEncoder = encoder()

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decoder().decode(T.self, from: Data(text.utf8))
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(DatabaseDate.text(date))
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

extension JSONColumn {
    /// The booking snapshot of an event, written by hand: byte for byte what
    /// ``encode(_:)`` writes for a ``Booking`` (sorted keys, absent optionals left
    /// out, dates as column text), which the tests check. Every booking write stores
    /// one, and going through `JSONEncoder`'s generic containers cost about as much as
    /// inserting the booking row.
    static func encode(_ booking: Booking) throws -> String {
        var json = "{"
        json.reserveCapacity(384)
        var first = true
        func key(_ name: StaticString) {
            if !first { json.append(",") }
            first = false
            json.append("\"")
            json.append(name.description)
            json.append("\":")
        }
        func string(_ name: StaticString, _ value: String?) throws {
            guard let value else { return }
            key(name)
            try appendString(value, to: &json)
        }
        key("askedToConfirm")
        json.append(booking.askedToConfirm ? "true" : "false")
        try string("confirmBy", booking.confirmBy.map(DatabaseDate.text))
        try string("createdAt", DatabaseDate.text(booking.createdAt))
        try string("customerEmail", booking.customerEmail)
        try string("customerName", booking.customerName)
        try string("customerPhone", booking.customerPhone)
        try string("endAt", DatabaseDate.text(booking.endAt))
        try string("eventTypeID", booking.eventTypeID)
        try string("id", booking.id)
        key("scheduleVersion")
        json.append(String(booking.scheduleVersion))
        try string("startAt", DatabaseDate.text(booking.startAt))
        try string("status", booking.status.rawValue)
        try string("tenantID", booking.tenantID)
        try string("updatedAt", DatabaseDate.text(booking.updatedAt))
        json.append("}")
        return json
    }

    /// Printable ASCII other than `"` and `\` is written as is; any other string is
    /// left to the encoder, so its escaping rules stay the only ones.
    private static func appendString(_ value: String, to json: inout String) throws {
        let plain = value.utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
        }
        if plain {
            json.append("\"")
            json.append(value)
            json.append("\"")
        } else {
            json.append(try encode(value))
        }
    }
}
