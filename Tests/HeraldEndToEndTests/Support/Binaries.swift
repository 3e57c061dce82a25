import Foundation

/// Finds the `heraldd` and `herald` executables that `swift build` put next to
/// the test bundle (or in `$HERALD_BIN_DIR`).
enum Binaries {
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["HERALD_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        for candidate in [url, Bundle.main.bundleURL.deletingLastPathComponent()] {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("heraldd").path) {
                return candidate
            }
        }
        return url
    }()

    static var heraldd: URL { directory.appendingPathComponent("heraldd") }
    static var herald: URL { directory.appendingPathComponent("herald") }
    static var testChannel: URL { directory.appendingPathComponent("herald-test-channel") }
}

/// A bounded wait for a condition: the only way these tests wait.
func waitUntil(
    timeout: Duration = .seconds(30), _ what: String, _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("herald-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
