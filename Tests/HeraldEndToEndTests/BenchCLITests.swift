import Foundation
import HeraldTesting
import Testing

/// `herald-bench`'s command line: `--help` names every scenario and option, and a
/// mistake is refused before anything starts.
@Suite("herald-bench's command line", .timeLimit(.minutes(2)))
struct BenchCLITests {
    static var bench: URL { Binaries.directory.appendingPathComponent("herald-bench") }

    static func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandResult.run(bench, arguments)
    }

    @Test func helpListsEveryScenarioAndOption() async throws {
        let help = try await Self.run(["--help"])
        #expect(help.status == 0, "\(help)")
        for scenario in ["admin", "render", "dispatch", "lateness", "cluster", "gateway", "idle", "console"] {
            #expect(help.stdout.contains("  \(scenario) "), "scenario \(scenario) in \(help.stdout)")
        }
        for option in [
            "--quick", "--json", "--only <list>", "--workers <k>", "--dispatch-jobs <n>", "--lateness-jobs <n>",
            "--lateness-rate <r>", "--lateness-rates <list>", "--cluster-reminders <n>", "--gateway-seconds <s>",
            "--gateway-connections <c>", "--idle-jobs <n>", "--idle-seconds <s>", "--curve", "--pacing-accounts <n>",
            "--console-bookings <n>",
        ] {
            #expect(help.stdout.contains(option), "\(option) in \(help.stdout)")
        }
        // Help is wrapped to the terminal's width: compare with the line breaks as spaces.
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for expected in [
            "(default: admin,render,dispatch,pacing,lateness,cluster,gateway,callbacks,idle,console)", "256 in flight each. (default: 2)",
            "(default 1000,5000; several reminders may share a millisecond)", "scenario. (default: 32)",
        ] {
            #expect(text.contains(expected), "\(expected) in \(help.stdout)")
        }
    }

    @Test func mistakesAreRefusedBeforeAnythingStarts() async throws {
        for arguments in [
            ["--only", "admin,nonsense"], ["--workers", "0"], ["--lateness-rates", "1000,fast"], ["--lateness-rates", "1000,"],
            ["--lateness-rate", "1000", "--lateness-rates", "5000"], ["--gateway-connections", "0"], ["--idle-jobs", "many"],
            ["--frobnicate"],
        ] {
            let result = try await Self.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty && !result.stderr.isEmpty, "\(arguments): \(result)")
        }
    }
}
