import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`
/// (or `postgresql://`), with an optional `?sslmode=disable|prefer|require`.
///
/// The password is kept for connecting only: ``description`` (what logs, errors and
/// `herald ping` show) never contains it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (a database on loopback or a private network).
        case disable
        /// TLS when the server offers it (postgres-nio's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; errors say what is wrong without repeating the password.
    public init(url text: String) throws(LocationError) {
        guard Self.isURL(text) else { throw LocationError("a PostgreSQL URL starts with postgres://") }
        guard let components = URLComponents(string: text) else {
            throw LocationError("not a URL (percent-encode special characters in the password)")
        }
        guard let host = components.host, !host.isEmpty else { throw LocationError("no host") }
        guard let user = components.user, !user.isEmpty else { throw LocationError("no user (postgres://USER@HOST/DATABASE)") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw LocationError("no database (postgres://USER@HOST/DATABASE)") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user?.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        sslMode = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw LocationError("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            default:
                throw LocationError("unknown parameter \(item.name) (known: sslmode)")
            }
        }
    }

    /// The URL with the password masked.
    public var description: String {
        let credentials = password == nil ? username : "\(username):***"
        let query = sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)"
        return "postgres://\(credentials)@\(host):\(port)/\(database)\(query)"
    }

    /// Why a URL was refused; its text never contains the password.
    public struct LocationError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ problem: String) { description = "invalid PostgreSQL URL: \(problem)" }
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
