// The store a scenario's heraldd runs on: a SQLite file in the scenario's directory,
// or, with `--db postgres://...`, a fresh database created on that server for it.
import Foundation

struct BenchDatabase {
    /// heraldd's --db.
    let argument: String
    /// The SQLite file, or nil on PostgreSQL.
    let sqliteFile: URL?
    /// The database's URL on PostgreSQL (for psql), or nil on SQLite.
    let postgresURL: String?

    var isPostgres: Bool { postgresURL != nil }

    /// A new, empty database for one scenario run.
    static func make(in directory: URL, server: String?) throws -> BenchDatabase {
        guard let server else {
            let file = directory.appendingPathComponent("bench.db")
            return BenchDatabase(argument: file.path, sqliteFile: file, postgresURL: nil)
        }
        let name = "herald_bench_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
        try PSQLShell.run(server, "CREATE DATABASE \(name)")
        guard let slash = server.range(of: "/", options: .backwards), server[..<slash.lowerBound].contains("@") else {
            throw BenchError("--db must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let url = String(server[..<slash.lowerBound]) + "/" + name
        return BenchDatabase(argument: url + "?sslmode=disable", sqliteFile: nil, postgresURL: url)
    }

    /// Whether rows can be counted and filled directly (the sqlite3 shell, or psql).
    var canQuery: Bool { isPostgres ? PSQLShell.path != nil : SQLiteShell.path != nil }
    var missingShellMessage: String { isPostgres ? PSQLShell.missingMessage : SQLiteShell.missingMessage }

    /// Runs the statement of this database's dialect; returns stdout, trimmed.
    @discardableResult
    func query(sqlite: String, postgres: String) throws -> String {
        if let postgresURL { return try PSQLShell.run(postgresURL, postgres) }
        return try SQLiteShell.run(sqliteFile!, sqlite)
    }

    /// On PostgreSQL (a server on this machine), its processes' CPU so far, seconds;
    /// NaN on SQLite, which runs inside heraldd.
    var serverCPUSeconds: Double { isPostgres ? ProcStats.postgresCPUSeconds() : .nan }

    /// The database's size on disk, MiB.
    func sizeMiB() throws -> Double {
        if let sqliteFile {
            return Double((try? FileManager.default.attributesOfItem(atPath: sqliteFile.path)[.size] as? Int) ?? 0) / 1_048_576
        }
        return (Double(try query(sqlite: "", postgres: "SELECT pg_database_size(current_database())")) ?? 0) / 1_048_576
    }

    /// `bookings` bookings of `tenant` with one email reminder per offset, written
    /// directly (the admin API would take minutes for a million jobs). `startSeconds(i)`:
    /// booking i's start, as seconds from now (SQL of `i`, per dialect).
    func fillReminders(
        tenant: String, prefix: String, bookings: Int, sqliteStart: String, postgresStart: String, offsetsMinutes: [Int]
    ) throws {
        guard let postgresURL else {
            try SQLiteShell.fillReminders(
                sqliteFile!, tenant: tenant, prefix: prefix, bookings: bookings, start: sqliteStart,
                offsetsMinutes: offsetsMinutes)
            return
        }
        let offsets = offsetsMinutes.map(String.init).joined(separator: ",")
        try PSQLShell.run(postgresURL, """
            SET synchronous_commit = off;
            BEGIN;
            INSERT INTO bookings (id, tenant_id, event_type_id, customer_name, customer_email, customer_phone,
                start_at, end_at, status, schedule_version, created_at, updated_at)
            SELECT format('\(prefix)-%s', lpad(i::text, 7, '0')), '\(tenant)', NULL, 'Customer ' || i,
                'customer' || i || '@example.com', NULL, \(postgresStart), \(postgresStart) + interval '1 hour',
                'confirmed', 1, date_trunc('milliseconds', now()), date_trunc('milliseconds', now())
            FROM generate_series(0, \(bookings - 1)) AS i;
            INSERT INTO notification_jobs (id, tenant_id, booking_id, kind, channel, provider, recipient,
                reminder_offset_minutes, schedule_version, event_id, subscription_id, due_at, not_after, status,
                attempt, leased_to, lease_expires_at, last_error, created_at, updated_at, fallback_provider)
            SELECT 'job-' || b.id || '-' || o.minutes, b.tenant_id, b.id, 'reminder', 'email', NULL, b.customer_email,
                o.minutes, 1, '', NULL, b.start_at - make_interval(mins => o.minutes), b.start_at, 'pending',
                0, NULL, NULL, NULL, b.created_at, b.updated_at, NULL
            FROM bookings b, unnest(ARRAY[\(offsets)]) AS o(minutes)
            WHERE b.tenant_id = '\(tenant)'
            ORDER BY b.start_at, o.minutes DESC;
            COMMIT;
            ANALYZE;
            """)
    }
}

/// psql, for counting and filling a PostgreSQL database directly.
enum PSQLShell {
    static let missingMessage = "needs psql (Debian/Ubuntu: apt-get install -y postgresql-client)"

    static var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/psql" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `sql` (stopping at the first error) and returns stdout: bare values, one row a line.
    @discardableResult
    static func run(_ url: String, _ sql: String) throws -> String {
        guard let path else { throw BenchError(missingMessage) }
        return try runTool(path, ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url], input: sql)
    }
}
