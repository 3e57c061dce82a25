import Foundation
import GRDB

/// A row that a hot write inserts through one cached statement, its values bound in
/// column order, instead of through the record's `insert`.
///
/// Every CreateBooking inserts a booking, its jobs and its event. GRDB's record
/// `insert` encodes each row into a dictionary of columns (hashing every column
/// name) and looks its INSERT up again each time; in a profile of booking ingest
/// that was about a third of heraldd's CPU per booking, more than SQLite's own work.
/// Here the statement is prepared once per connection, and a row lists its values
/// in the order of its `CodingKeys`, which also name the columns, so the two cannot
/// drift apart unnoticed: a row written this way reads back through the `Codable`
/// record (the store tests compare every field).
protocol CachedInsert: ModelRow where CodingKeys: CaseIterable & Hashable & RawRepresentable<String> {
    associatedtype CodingKeys
    /// Columns the database fills in (an autoincremented key), left out of the INSERT.
    static var generatedColumns: Set<CodingKeys> { get }
    /// The values of every column but the generated ones, in `CodingKeys` order.
    var insertedValues: [(any DatabaseValueConvertible)?] { get throws }
}

extension CachedInsert {
    static var generatedColumns: Set<CodingKeys> { [] }

    /// `INSERT INTO table (columns…) VALUES (?, …)`, built once per row type.
    static var cachedInsertSQL: String {
        let columns = CodingKeys.allCases.filter { !generatedColumns.contains($0) }.map(\.rawValue)
        return "INSERT INTO \(databaseTableName) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) "
            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// Inserts the row and returns its rowid; constraint errors are GRDB's, as from `insert`.
    @discardableResult
    func insertCached(_ db: Database, sql: String) throws -> Int64 {
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: StatementArguments(try insertedValues))
        return db.lastInsertedRowID
    }
}

/// A date as its column text (see ``DatabaseDate``).
private func text(_ date: Date) -> String { DatabaseDate.text(date) }
private func optionalText(_ date: Date?) -> String? { date.map(DatabaseDate.text) }

extension BookingRow: CachedInsert {
    static let insertSQL = cachedInsertSQL

    var insertedValues: [(any DatabaseValueConvertible)?] {
        [
            id, tenantID, eventTypeID, customerName, customerEmail, customerPhone, text(startAt), text(endAt),
            status, scheduleVersion, text(createdAt), text(updatedAt),
        ]
    }
}

extension NotificationJobRow: CachedInsert {
    static let insertSQL = cachedInsertSQL

    var insertedValues: [(any DatabaseValueConvertible)?] {
        [
            id, tenantID, bookingID, kind, channel, provider, fallbackProvider, recipient, reminderOffsetMinutes,
            scheduleVersion, eventID, subscriptionID, teamDestinationID, text(dueAt), optionalText(notAfter), status,
            attempt, leasedTo, optionalText(leaseExpiresAt), lastError, text(createdAt), text(updatedAt),
        ]
    }
}

extension BookingEventRow: CachedInsert {
    static let insertSQL = cachedInsertSQL
    static var generatedColumns: Set<CodingKeys> { [.sequence] }

    /// The booking snapshot is JSON text, as GRDB writes a `Codable` column (``JSONColumn``).
    var insertedValues: [(any DatabaseValueConvertible)?] {
        get throws {
            [
                id, type, tenantID, bookingID, text(occurredAt), try JSONColumn.encode(booking),
                optionalText(previousStartAt), optionalText(previousEndAt), previousStatus,
            ]
        }
    }
}
