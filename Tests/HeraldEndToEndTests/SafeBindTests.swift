import Foundation
import HeraldTesting
import Testing

/// Without encryption on the bus, heraldd binds only loopback unless told otherwise.
@Suite("heraldd binds loopback only unless told --insecure-bind", .timeLimit(.minutes(3)))
struct SafeBindTests {
    @Test(arguments: [
        (["--channel-endpoint", "tcp://0.0.0.0:*"], "--channel-endpoint tcp://0.0.0.0:*"),
        (["--admin-endpoint", "tcp://*:*"], "--admin-endpoint tcp://*:*"),
        (["--events-endpoint", "tcp://[::]:*"], "--events-endpoint tcp://[::]:*"),
        (["--metrics-endpoint", "0.0.0.0:0"], "--metrics-endpoint 0.0.0.0:0"),
    ])
    func anAddressOtherMachinesReachIsRefusedNamingIt(arguments: [String], named: String) async throws {
        let directory = try TemporaryDirectory()
        let child = try ChildProcess(
            Binaries.heraldd, ["--db", directory.url.appendingPathComponent("herald.db").path] + Self.endpoints(with: arguments),
            environment: ["HERALD_INSECURE_BIND": ""])
        #expect(try await child.waitForExit() == 64, "\(child.stderr)")
        #expect(child.stderr.contains("refusing to bind \(named)"), "\(child.stderr)")
        #expect(child.stderr.contains("--insecure-bind"), "\(child.stderr)")
        #expect(!child.stdout.contains("heraldd ready"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("herald.db").path), "a refused start created the database")
    }

    @Test(arguments: [(["--insecure-bind"], [String: String]()), ([], ["HERALD_INSECURE_BIND": "1"])])
    func theInsecureFlagOrVariableLetsItBind(flag: [String], environment: [String: String]) async throws {
        let directory = try TemporaryDirectory()
        let child = try ChildProcess(
            Binaries.heraldd,
            ["--db", directory.url.appendingPathComponent("herald.db").path]
                + Self.endpoints(with: ["--channel-endpoint", "tcp://0.0.0.0:*"]) + flag,
            environment: environment)
        try await eventually("heraldd ready on 0.0.0.0: \(child.stderr)") {
            child.stdout.contains("heraldd ready") && child.stdout.contains("channel=tcp://0.0.0.0:")
        }
        child.signal(SIGTERM)
        let status = try await child.waitForExit()
        #expect(status == 0, "exit \(status): \(child.stderr)")
    }

    /// Free loopback ports for every endpoint but the one `overriding` names.
    static func endpoints(with overriding: [String]) -> [String] {
        let options = ["--admin-endpoint", "--channel-endpoint", "--events-endpoint"]
        return options.filter { $0 != overriding.first }.flatMap { [$0, "tcp://127.0.0.1:*"] } + overriding
    }
}
