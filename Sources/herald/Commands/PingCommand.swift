import ArgumentParser
import HeraldProto

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Check that the core answers; print its version and time.")

    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await CoreConnection.with(core) { connection in
            try await connection.admin.ping()
        }
        if output.json {
            struct View: Encodable {
                var version: String
                var now: String
                var dropped_frames: UInt64
                var store_writable: Bool
                var store_problem: String?
                var store_problem_since: String?
                var store_refused_writes: UInt64?
            }
            let problem = answer.storeProblem.isEmpty ? nil : answer.storeProblem
            try printJSON(View(
                version: answer.version, now: answer.now, dropped_frames: answer.droppedFrames, store_writable: problem == nil,
                store_problem: problem, store_problem_since: problem.map { _ in answer.storeProblemSince },
                store_refused_writes: problem.map { _ in answer.storeRefusedWrites }))
        } else {
            var fields = Fields()
            fields.append("core", core.resolvedEndpoint)
            fields.append("version", answer.version)
            fields.append("time", answer.now)
            fields.append("dropped frames", "\(answer.droppedFrames)")
            if answer.storeProblem.isEmpty {
                fields.append("database", "writable")
            } else {
                fields.append(
                    "database",
                    "\(answer.storeProblem) since \(answer.storeProblemSince), \(answer.storeRefusedWrites) writes refused")
            }
            print(fields.render())
        }
    }
}
