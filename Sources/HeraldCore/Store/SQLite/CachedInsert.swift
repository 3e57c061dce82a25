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
    /// The values of every column but the generated ones, in `CodingKeys` order
    /// (as `DatabaseValue`s: converting a list of existentials showed in profiles).
    var insertedValues: [DatabaseValue] { get throws }
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

/// A column value; NULL for nil.
private func value(_ value: (some DatabaseValueConvertible)?) -> DatabaseValue { value?.databaseValue ?? .null }
/// A date as its column text (see ``DatabaseDate``).
private func text(_ date: Date) -> DatabaseValue { DatabaseDate.text(date).databaseValue }
private func optionalText(_ date: Date?) -> DatabaseValue { date.map { DatabaseDate.text($0).databaseValue } ?? .null }

extension BookingRow: CachedInsert {
    static let insertSQL = cachedInsertSQL

    var insertedValues: [DatabaseValue] {
        [
            value(id), value(tenantID), value(eventTypeID), value(customerName), value(customerEmail),
            value(customerPhone), text(startAt), text(endAt), value(status), value(scheduleVersion),
            text(createdAt), text(updatedAt), value(askedToConfirm), optionalText(confirmBy),
        ]
    }
}

extension NotificationJobRow: CachedInsert {
    static let insertSQL = cachedInsertSQL

    var insertedValues: [DatabaseValue] {
        [
            value(id), value(tenantID), value(bookingID), value(kind), value(channel), value(provider),
            value(fallbackProvider), value(recipient), value(reminderOffsetMinutes), value(scheduleVersion),
            value(eventID), value(subscriptionID), value(teamDestinationID), text(dueAt), optionalText(notAfter),
            value(status), value(attempt), value(leasedTo), optionalText(leaseExpiresAt), value(lastError),
            text(createdAt), text(updatedAt), value(payload), value(account),
        ]
    }
}

extension BookingEventRow: CachedInsert {
    static let insertSQL = cachedInsertSQL
    static var generatedColumns: Set<CodingKeys> { [.sequence] }

    /// The booking snapshot is JSON text, as GRDB writes a `Codable` column (``JSONColumn``).
    var insertedValues: [DatabaseValue] {
        get throws {
            [
                value(id), value(type), value(tenantID), value(bookingID), text(occurredAt),
                try JSONColumn.encode(booking).databaseValue, optionalText(previousStartAt),
                optionalText(previousEndAt), value(previousStatus),
            ]
        }
    }
}

extension ReminderLogRow: CachedInsert {
    static let insertSQL = cachedInsertSQL
    static var generatedColumns: Set<CodingKeys> { [.id] }

    var insertedValues: [DatabaseValue] {
        [
            value(jobID), value(tenantID), value(bookingID), value(channel), value(provider), value(kind),
            value(reminderOffsetMinutes), value(scheduleVersion), value(recipient), value(eventID), value(outcome),
            value(attempts), value(providerMessageID), value(error), text(loggedAt),
        ]
    }
}

extension ReminderLogEntry {
    /// Appends this row to the ReminderLog (its `id` is assigned here) and returns it as
    /// stored: the one way any writer (a dispatch turn, a booking write) adds a row, and
    /// the value the event stream publishes. Constraint errors are GRDB's (the unique
    /// `sent` row per notification, a missing job).
    func append(_ db: Database) throws -> ReminderLogEntry {
        var row = ReminderLogRow(self)
        row.id = try row.insertCached(db, sql: ReminderLogRow.insertSQL)
        // As stored: dates at the column's precision.
        row.loggedAt = DatabaseDate.stored(loggedAt)
        return row.model
    }
}
