import ArgumentParser
import HeraldProto

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Check that the core answers; print its version and time.")

    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await CoreConnection.with(core) { connection in
            try await connection.call("Ping", Herald_V1_PingRequest(), as: Herald_V1_PingResponse.self)
        }
        if output.json {
            struct View: Encodable { var version: String; var now: String; var dropped_frames: UInt64 }
            try printJSON(View(version: answer.version, now: answer.now, dropped_frames: answer.droppedFrames))
        } else {
            var fields = Fields()
            fields.append("core", core.resolvedEndpoint)
            fields.append("version", answer.version)
            fields.append("time", answer.now)
            fields.append("dropped frames", "\(answer.droppedFrames)")
            print(fields.render())
        }
    }
}
