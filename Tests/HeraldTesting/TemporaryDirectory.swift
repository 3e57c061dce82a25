import Foundation

/// A new empty directory under the system's temporary directory, named
/// `<prefix>-<UUID>`; the caller removes it (or keeps it to look at after a failure).
public func makeTemporaryDirectory(prefix: String = "herald-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A temporary directory of one test, removed with everything in it when this value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(prefix: String = "herald-test") throws {
        url = try makeTemporaryDirectory(prefix: prefix)
    }

    public var path: String { url.path }

    /// The URL of `name` inside the directory.
    public func appending(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `text` to `name` in the directory and returns the file's path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = appending(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a new temporary directory, removed with everything in it afterwards.
public func withTemporaryDirectory<T>(prefix: String = "herald-test", _ body: (URL) async throws -> T) async throws -> T {
    let url = try makeTemporaryDirectory(prefix: prefix)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
