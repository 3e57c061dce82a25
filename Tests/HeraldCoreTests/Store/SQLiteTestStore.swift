import Foundation
import HeraldCore
import HeraldTesting

/// Runs `body` with a store on a fresh database file in its own temporary directory,
/// so WAL and re-opening behave as in production; the directory is removed afterwards.
func withTemporaryStore<T>(
    _ body: (_ store: SQLiteStore, _ path: String) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory(prefix: "herald-store") { directory in
        let path = directory.appendingPathComponent("herald.db").path
        let store = try SQLiteStore(path: path)
        return try await body(store, path)
    }
}
