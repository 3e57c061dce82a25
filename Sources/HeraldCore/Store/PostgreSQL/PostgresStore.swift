import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The store on PostgreSQL, for a core that outgrows one machine or must not be a
/// single point of failure: several cores on one database, each the
/// ``DispatchStore`` and ``AdminStore`` of its own workers and clients.
///
/// The promises are the protocols' (the contract suite runs against both stores).
/// What several cores add, and where it lives:
/// - **One live lease per job**: leasing selects `FOR UPDATE SKIP LOCKED`, so two
///   cores leasing at once never see the same pending job; results lock the jobs they
///   judge (`FOR UPDATE`) before deciding.
/// - **A lease names its core** (`leased_by_core`): a core that starts gives back its
///   own leases only; a dead core's leases expire and any core hands the jobs out
///   again, with `attempt + 1`.
/// - **At most one `sent`**: the partial unique index of the schema, as on SQLite.
/// - **Event sequences in commit order**: booking writes take one advisory lock until
///   they commit (PostgresStore+Bookings.swift).
///
/// Connection loss is ``StoreError/unavailable(_:)`` (cause `unreachable`), reported
/// through ``health`` like a full disk; postgres-nio's pool reconnects by itself.
public final class PostgresStore: DispatchStore, AdminStore {
    /// Where the database is; its description hides the password.
    public let location: PostgresLocation
    /// The name this core's leases carry.
    public let coreID: String
    /// Whether writes currently succeed (see ``StoreHealth``).
    public let health: StoreHealth
    /// The queue that gathers concurrent ``writeBooking(_:)`` calls into one transaction.
    public let bookingWrites: GroupCommit<BookingWrite, WrittenBooking>
    let client: PostgresClient
    let logger: Logger
    let connectTimeout: Duration
    /// Tenant configuration kept between booking writes and leases, as on SQLite, but
    /// used only while this core listens (``listenForJobs(retry:wake:)``): another
    /// core's change reaches it as a notification, which drops the cache.
    let tenantContexts = TenantContextCache()
    let cacheTrusted = Flag()
    private let running: Task<Void, Never>

    public struct Options: Sendable {
        /// The connections this core opens at most (the dispatcher, admin calls, booking batches).
        public var maxConnections = 8
        /// The most booking writes one transaction commits.
        public var bookingBatchSize = 64
        /// A schema to create and use instead of the user's default (`search_path`):
        /// separate Herald data in one database (the tests give each store its own).
        public var schema: String?
        /// How long to wait for a connection before a call fails as unavailable.
        /// (postgres-nio's pool alone would queue calls for a minute while the server
        /// is unreachable, before it gives up on them.)
        public var connectTimeout: Duration = .seconds(5)

        public init() {}
    }

    /// Connects and migrates. Fails when the database cannot be reached or migrated,
    /// so a core started against a wrong URL says so and exits.
    public static func open(
        _ location: PostgresLocation, coreID: String, options: Options = Options(),
        health: StoreHealth = StoreHealth(), logger: Logger = Logger(label: "herald.store")
    ) async throws -> PostgresStore {
        let store = PostgresStore(location: location, coreID: coreID, options: options, health: health, logger: logger)
        do {
            try await store.migrate(schema: options.schema)
        } catch {
            store.close()
            throw store.storeError(error)
        }
        return store
    }

    private init(
        location: PostgresLocation, coreID: String, options: Options, health: StoreHealth, logger: Logger
    ) {
        var configuration = location.clientConfiguration()
        configuration.options.maximumConnections = options.maxConnections
        configuration.options.connectTimeout = options.connectTimeout
        // The core's name in pg_stat_activity, for operators (and the tests that cut its connections).
        configuration.options.additionalStartupParameters = [("application_name", "heraldd \(coreID)")]
        if let schema = options.schema {
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        var clientLogger = logger
        clientLogger.logLevel = max(logger.logLevel, .notice)
        let client = PostgresClient(configuration: configuration, backgroundLogger: clientLogger)
        self.client = client
        self.location = location
        self.coreID = coreID
        self.health = health
        self.logger = logger
        connectTimeout = options.connectTimeout
        running = Task { await client.run() }
        bookingWrites = Self.bookingWriteQueue(
            client: client, location: location, coreID: coreID, connectTimeout: options.connectTimeout, health: health,
            logger: logger, batchSize: options.bookingBatchSize)
    }

    deinit { running.cancel() }

    /// Closes every connection; calls made afterwards fail.
    public func close() { running.cancel() }

    /// Every migration this version knows, in order.
    public static var migrationNames: [String] { PostgresSchema.migrations.map(\.name) }

    /// The migrations applied to the database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read { connection in
            try await connection.strings("SELECT name FROM herald_migrations ORDER BY applied_order", self.logger)
        }
    }

    private func migrate(schema: String?) async throws {
        try await Self.withConnection(client, waiting: connectTimeout) { connection in
            if let schema {
                try await connection.run(
                    "CREATE SCHEMA IF NOT EXISTS \(unescaped: Self.quotedIdentifier(schema))", self.logger)
            }
            try await connection.transaction(self.logger) { connection in
                // Cores starting together migrate one after another.
                try await connection.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", self.logger)
                try await connection.run("""
                    CREATE TABLE IF NOT EXISTS herald_migrations (
                        name text PRIMARY KEY,
                        applied_order bigint NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, self.logger)
                let applied = Set(try await connection.strings("SELECT name FROM herald_migrations", self.logger))
                for (index, migration) in PostgresSchema.migrations.enumerated() where !applied.contains(migration.name) {
                    // One statement per query: the extended protocol takes no more.
                    for statement in PostgresSchema.statements(of: migration.sql) {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), self.logger)
                    }
                    try await connection.run(
                        "INSERT INTO herald_migrations (name, applied_order) VALUES (\(migration.name), \(index))",
                        self.logger)
                    self.logger.info("migrated", metadata: ["migration": "\(migration.name)"])
                }
            }
        }
    }

    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Transactions

    /// A read-only transaction (one snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await Self.withConnection(client, waiting: connectTimeout) { connection in
                try await connection.transaction(self.logger, readOnly: true, body)
            }
        } catch {
            throw reported(error)
        }
    }

    /// A write transaction; any thrown error rolls all of it back. A database that
    /// cannot be reached or refuses writes is ``StoreError/unavailable(_:)`` and
    /// marks ``health``; the next write that commits clears it.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await Self.withConnection(client, waiting: connectTimeout) { connection in
                try await connection.transaction(self.logger, body)
            }
        } catch {
            throw reported(error)
        }
        health.writeSucceeded()
        return value
    }

    /// Runs `body` with a connection of the pool, or fails as unreachable when none
    /// comes within `wait` (the server is down: the pool keeps trying to connect).
    /// Only the wait for a connection is bounded; `body` runs as long as it runs.
    static func withConnection<T: Sendable>(
        _ client: PostgresClient, waiting wait: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = Flag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.value.store(true, ordering: .relaxed)
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return nil
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
                if !leased.value.load(ordering: .relaxed) {
                    group.cancelAll()
                    throw ConnectionWaitExpired(wait: wait)
                }
            }
            throw CancellationError()
        }
    }

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// No connection came within the wait: the server is unreachable (or every
    /// connection is busy for that long, which is as bad).
    struct ConnectionWaitExpired: Error, CustomStringConvertible {
        var wait: Duration
        var description: String { "no connection to PostgreSQL within \(wait)" }
    }

    /// The error as a ``StoreError``, with an outage reported to ``health``.
    func reported(_ error: any Error) -> StoreError {
        let failure = storeError(error)
        if case .unavailable(let problem) = failure { health.writeFailed(problem) }
        return failure
    }

    func storeError(_ error: any Error) -> StoreError {
        Self.storeError(error, location: location)
    }

    static func storeError(_ error: any Error, location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        if error is CancellationError { return .underlying(CancellationError()) }
        let unavailable = { (cause: StoreUnavailable.Cause, detail: String) in
            StoreError.unavailable(StoreUnavailable(cause: cause, path: location.description, detail: detail))
        }
        guard let error = error as? PSQLError else {
            // NIO's connect and channel errors: the server is not there (or went away).
            return unavailable(.unreachable, "\(error)")
        }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            return unavailable(.unreachable, "\(error.code)")
        }
        let message = error.serverInfo?[.message] ?? ""
        switch state {
        case "53100": return unavailable(.diskFull, message)
        case "25006": return unavailable(.readOnly, message)
        case "58030": return unavailable(.ioError, message)
        // Connection exceptions, the server shutting down or starting up, too many clients.
        case let state where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
            return unavailable(.unreachable, message)
        default:
            return .underlying(PostgresServerError(state: state, message: message))
        }
    }
}

/// What PostgreSQL said, without the query or its parameters (which may hold secrets).
public struct PostgresServerError: Error, Sendable, CustomStringConvertible {
    public var state: String
    public var message: String
    public var description: String { "PostgreSQL error \(state): \(message)" }
}

extension PSQLError {
    var sqlState: String? { code == .server ? serverInfo?[.sqlState] : nil }
    var constraint: String { serverInfo?[.constraintName] ?? "" }
}

// MARK: Connection helpers

extension PostgresConnection {
    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` throws, whose error is rethrown as is.
    func transaction<T>(
        _ logger: Logger, readOnly: Bool = false, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await run(readOnly ? "BEGIN READ ONLY" : "BEGIN", logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            try? await run("ROLLBACK", logger)
            throw error
        }
        try await run("COMMIT", logger)
        return value
    }

    /// Runs a statement and drops its rows.
    func run(_ query: PostgresQuery, _ logger: Logger) async throws {
        try await self.query(query, logger: logger).consume()
    }

    /// The rows a statement returns.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    /// How many rows a statement returns (an UPDATE ... RETURNING 1 counts what it changed).
    func count(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        try await rows(query, logger).count
    }

    func all<Model: PostgresModel>(_ query: PostgresQuery, _ logger: Logger, as: Model.Type = Model.self) async throws -> [Model] {
        try await rows(query, logger).map { try Model(PostgresColumns($0)) }
    }

    func one<Model: PostgresModel>(_ query: PostgresQuery, _ logger: Logger, as: Model.Type = Model.self) async throws -> Model? {
        try await all(query, logger, as: Model.self).first
    }

    func strings(_ query: PostgresQuery, _ logger: Logger) async throws -> [String] {
        try await rows(query, logger).map { try $0.decode(String.self) }
    }

    func date(_ query: PostgresQuery, _ logger: Logger) async throws -> Date? {
        try await rows(query, logger).first.flatMap { try $0.decode(PostgresDate?.self)?.date }
    }

    func exists(_ query: PostgresQuery, _ logger: Logger) async throws -> Bool {
        try await count(query, logger) > 0
    }
}

extension PostgresRowSequence {
    /// Reads and drops every row, so the statement has finished when this returns.
    func consume() async throws {
        for try await _ in self {}
    }
}
