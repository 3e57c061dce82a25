import Foundation
import GRDB

/// The record type of one table, as GRDB's "Recommended Practices for Designing
/// Record Types" describe it: a `Codable` struct with one property per column, its
/// `CodingKeys` naming the columns; whole rows are read and written only through it
/// (the dispatcher's hot paths also update a few columns with SQL).
///
/// The model types (``Booking``, ``NotificationJob``, ...) stay free of GRDB: they are
/// shared with other stores, and their `Codable` form is their JSON (the booking
/// snapshot of an event), not their columns. A row converts to and from its model, and
/// is where raw columns become model values ("record types hide intimate database
/// details"): two quiet-hour columns become one ``QuietHours``, JSON text becomes lists.
///
/// Dates use GRDB's default text (`yyyy-MM-dd HH:mm:ss.SSS` in UTC), enums their raw
/// values, booleans 0/1, and JSON columns ``JSONColumn``'s format, so a row is stored
/// exactly as the hand-written row code that preceded these records stored it.
protocol ModelRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    associatedtype Model
    init(_ model: Model)
    var model: Model { get }
}

extension ModelRow {
    /// GRDB's default text, written without a `DateFormatter` (see ``DatabaseDate``).
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { DatabaseDate.text($0) }
    }
    static func databaseJSONEncoder(for column: String) -> JSONEncoder { JSONColumn.encoder() }
    static func databaseJSONDecoder(for column: String) -> JSONDecoder { JSONColumn.decoder() }
}

/// A model value stored as one row of a table, through its ``ModelRow``.
protocol StoredInTable {
    associatedtype Row: ModelRow where Row.Model == Self
}
