import GRDB

// Every public operation of ``SQLiteStore`` is one of these: one read or one write
// transaction, with errors turned into ``StoreError``.
extension SQLiteStore {
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch {
            throw storeError(error)
        }
    }

    /// A write transaction; any thrown error rolls all of it back. A write the
    /// database refuses for want of space, permission or a working disk is
    /// ``StoreError/unavailable(_:)`` and marks ``health``; the next that commits clears it.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value: T
        do {
            value = try await database.write(body)
        } catch {
            let failure = storeError(error)
            if case .unavailable(let problem) = failure { health.writeFailed(problem) }
            throw failure
        }
        health.writeSucceeded()
        return value
    }

    private func storeError(_ error: any Error) -> StoreError {
        Self.storeError(error, path: database.path)
    }

    static func storeError(_ error: any Error, path: String) -> StoreError {
        switch error {
        case let error as StoreError: error
        case let error as DatabaseError:
            if let cause = Self.unavailableCause(error.resultCode) {
                .unavailable(StoreUnavailable(cause: cause, path: path, detail: "\(error)"))
            } else {
                .underlying(error)
            }
        default: .underlying(error)
        }
    }

    /// The primary result codes that say "not now" rather than "not this".
    static func unavailableCause(_ code: ResultCode) -> StoreUnavailable.Cause? {
        switch code {
        case .SQLITE_FULL: .diskFull
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: .readOnly
        case .SQLITE_IOERR: .ioError
        default: nil
        }
    }
}

/// Inserts a model value as its table's row, naming it in constraint errors: a taken
/// primary key or unique key is ``StoreError/alreadyExists(entity:id:)``, a missing
/// parent ``StoreError/notFound(entity:id:)`` (as told by `missingParent`, which may query).
func insert<Model: StoredInTable>(
    _ value: Model,
    _ db: Database,
    entity: String,
    id: String,
    missingParent: ((Database) throws -> StoreError)? = nil
) throws {
    var row = Model.Row(value)
    try mappingConstraints(db, entity: entity, id: id, missingParent: missingParent) {
        try row.insert(db)
    }
}

/// Inserts a model value whose id the database assigns, and sets it.
func insert<Model: StoredInTable>(
    _ value: inout Model,
    _ db: Database,
    entity: String,
    id: String,
    missingParent: ((Database) throws -> StoreError)? = nil
) throws {
    var row = Model.Row(value)
    try mappingConstraints(db, entity: entity, id: id, missingParent: missingParent) {
        try row.insert(db)
    }
    value = row.model
}

/// Replaces a stored model value; one that is not stored is ``StoreError/notFound(entity:id:)``.
func update<Model: StoredInTable>(_ value: Model, _ db: Database, entity: String, id: String) throws {
    do {
        try Model.Row(value).update(db)
    } catch RecordError.recordNotFound {
        throw StoreError.notFound(entity: entity, id: id)
    }
}

/// Runs `body` (an insert), naming the row in the constraint errors it throws.
@discardableResult
func mappingConstraints<T>(
    _ db: Database,
    entity: String,
    id: String,
    missingParent: ((Database) throws -> StoreError)?,
    _ body: () throws -> T
) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE:
            throw StoreError.alreadyExists(entity: entity, id: id)
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            // The failed statement was undone, so the transaction can still be queried.
            throw try missingParent?(db) ?? .notFound(entity: "parent of \(entity)", id: id)
        default:
            throw error
        }
    }
}
