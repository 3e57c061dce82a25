import Foundation
import Logging

/// Which store a core runs on, from `heraldd --db` (or `HERALD_DB`): a
/// `postgres://` (or `postgresql://`) URL selects PostgreSQL, anything else is a
/// SQLite file (`sqlite:` in front is allowed and dropped).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public init(parsing text: String) throws(PostgresLocation.LocationError) {
        if PostgresLocation.isURL(text) {
            self = .postgres(try PostgresLocation(url: text))
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// For logs and errors: the path, or the URL without its password.
    public var description: String {
        switch self {
        case let .sqlite(path): path
        case let .postgres(location): location.description
        }
    }

    /// The store both the dispatcher and the admin service use.
    public typealias Store = AdminStore & DispatchStore

    /// Opens (creating or migrating) the store.
    /// - Parameter coreID: the name this core's leases carry (PostgreSQL, where several
    ///   cores share the jobs); SQLite has one core and ignores it.
    public func open(coreID: String, health: StoreHealth, logger: Logger) async throws -> any Store {
        switch self {
        case let .sqlite(path):
            return try SQLiteStore(path: path, health: health)
        case let .postgres(location):
            return try await PostgresStore.open(location, coreID: coreID, health: health, logger: logger)
        }
    }
}
