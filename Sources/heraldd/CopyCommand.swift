import ArgumentParser
import Foundation
import HeraldCore
import Logging

/// `heraldd copy`: moves a stopped SQLite core's data into an empty PostgreSQL database.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a stopped core's SQLite database into an empty PostgreSQL database.",
        discussion: """
            Stop the core first. Every table is copied in one transaction, ids, event \
            sequences and pending jobs included; a database that already holds Herald data \
            is refused, and the row counts of both are compared before the copy commits, \
            so a failed copy leaves the PostgreSQL database empty. Then start the cores \
            with --db URL (docs/operations.md, "PostgreSQL: beyond one machine").
            """)

    @Option(help: ArgumentHelp("The SQLite database file of the stopped core.", valueName: "path"))
    var from: String

    @Option(help: ArgumentHelp("The empty PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.", valueName: "url"))
    var to: String

    func run() async throws {
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: to)
        } catch {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "heraldd.copy")
        logger.logLevel = .warning
        print("copying \(from) to \(location)")
        do {
            let report = try await SQLiteToPostgres.copy(from: from, to: location, logger: logger) { table, rows in
                print("  \(table): \(rows) rows")
            }
            let total = report.counts.map(\.rows).reduce(0, +)
            print("copied \(total) rows; the counts of every table match. Start the cores with --db \(location)")
        } catch {
            FileHandle.standardError.write(Data("heraldd copy: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
