import ArgumentParser
import Foundation
import HeraldBus

/// Options every command that talks to the core shares.
struct CoreOptions: ParsableArguments {
    @Option(
        name: .customLong("core"),
        help: ArgumentHelp(
            "The core's admin endpoint, or several cores' comma-separated: any of them answers (default: $HERALD_CORE or tcp://127.0.0.1:7402).",
            valueName: "endpoint"))
    var endpoint: String?

    @Option(help: ArgumentHelp("Seconds to wait for the core's answer.", valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup var keys: CurveKeyOptions

    var resolvedEndpoint: String {
        endpoint ?? ProcessInfo.processInfo.environment["HERALD_CORE"] ?? "tcp://127.0.0.1:7402"
    }

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
    }
}

/// `--json` for commands that print data.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}
