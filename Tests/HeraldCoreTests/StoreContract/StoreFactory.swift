import Foundation
import HeraldCore
import HeraldTesting
import Logging
import Testing

/// What a store implementation must be to run the contract: both of the core's
/// store protocols (the dispatch tests set up their jobs through the admin side).
typealias ContractStore = AdminStore & DispatchStore

/// One store implementation the contract suite runs against.
///
/// Every test in `StoreContract/` is written once against the protocols and runs
/// for each factory in ``all``. Adding an implementation (the PostgreSQL store) is
/// one line there: its factory opens a fresh, empty store per call (its own
/// database or schema) and is left out of the list when its server is not there.
///
/// The contract lives here, in HeraldCoreTests, rather than in the shared
/// `HeraldTesting` target: that target is linked by every test target and depends
/// on nothing, and the contract needs HeraldCore (and so GRDB) and defines `@Test`s,
/// which would then be built into, and run by, the bus and channel kit tests too.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    /// Opens a new, empty, migrated store; `directory` is the test's own and is
    /// removed after it (for stores that keep files).
    let open: @Sendable (_ directory: URL) async throws -> any ContractStore

    var testDescription: String { name }

    /// Every implementation the contract runs against: PostgreSQL when the test script
    /// started a server (`HERALD_TEST_POSTGRES_URL`, see scripts/test.sh).
    static let all: [StoreFactory] = [.sqlite] + (postgres.map { [$0] } ?? [])

    /// A database file in WAL mode, as `heraldd` opens it.
    static let sqlite = StoreFactory(name: "SQLite") { directory in
        try SQLiteStore(path: directory.appendingPathComponent("herald.db").path)
    }

    /// A schema of its own per store, in the test server's database.
    static let postgres: StoreFactory? = testPostgresLocation.map { location in
        StoreFactory(name: "PostgreSQL") { _ in
            try await postgresOpenings.taking {
                try await PostgresStore.open(location, coreID: "contract", options: .testing(), logger: quietStoreLogger)
            }
        }
    }

    /// A few PostgreSQL stores open (and migrate their schema) at a time. The contract's
    /// tests all start at once: a hundred schemas migrated together keep as many server
    /// processes busy, and on a 2-core machine that starved the rest of the test process
    /// for seconds (the bus tests' 10 s handshakes and calls ran out).
    static let postgresOpenings = Turns(at: 3)

    /// Runs `body` with a fresh store of this implementation.
    func withStore<T>(_ body: (any ContractStore) async throws -> T) async throws -> T {
        try await withTemporaryDirectory(prefix: "herald-contract") { directory in
            try await body(try await open(directory))
        }
    }
}

/// The PostgreSQL server of the tests, when scripts/test.sh started one.
let testPostgresLocation: PostgresLocation? = ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"]
    .flatMap { try? PostgresLocation(url: $0) }

let quietStoreLogger: Logger = {
    var logger = Logger(label: "herald.store.tests")
    logger.logLevel = .critical
    return logger
}()

extension PostgresStore.Options {
    /// A fresh schema and few connections: many stores of the parallel tests share one server.
    static func testing(schema: String = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")) -> Self {
        var options = Self()
        options.schema = schema
        options.maxConnections = 3
        return options
    }
}

/// At most `limit` callers inside ``taking(_:)`` at once; the others wait their turn, in order.
actor Turns {
    private let limit: Int
    private var inside = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(at limit: Int) { self.limit = limit }

    func taking<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if inside < limit {
            inside += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            // The turn passes to the next in line, or is given back.
            if waiting.isEmpty { inside -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
