import ArgumentParser
import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto
import Logging
import SwiftProtobuf

/// One admin RPC connection to the core for the life of a command.
///
/// Errors from the core are printed on stderr as they came (the core names the
/// field at fault) and end the command with a meaningful exit code.
struct CoreConnection {
    let client: RPCClient
    let endpoint: String
    let timeout: Duration

    /// The core's admin service, with this command's `--timeout` and client tag on every call.
    var admin: Herald_V1_Admin.Client {
        Herald_V1_Admin.Client(RPCCallerWithDefaults(client, defaults: RPCCallOptions(
            timeout: timeout, metadata: ["client": "herald-cli/\(HeraldVersion.current)"])))
    }

    /// The core answered, but refused the request (bad input, not found, ...).
    static let rejectedExitCode: Int32 = 1
    /// The core could not be reached or did not answer in time (EX_UNAVAILABLE).
    static let unavailableExitCode: Int32 = 69

    /// A connection that reports nothing itself (``with(_:_:)`` prints errors); close it after use.
    static func open(endpoint: String, timeout seconds: Double, curve: CurveOptions? = nil) throws(ZMQError) -> CoreConnection {
        var logger = Logger(label: "herald")
        logger.logLevel = .critical  // the handshake monitor's warnings reach the user as the call's error
        let client = try RPCClient(
            context: BusContext.shared, endpoint: endpoint, curve: curve, closeOnRefusedHandshake: true, logger: logger)
        return CoreConnection(client: client, endpoint: endpoint, timeout: .milliseconds(Int(seconds * 1000)))
    }

    func close() {
        client.close()
    }

    static func with<T>(_ options: CoreOptions, _ body: (CoreConnection) async throws -> T) async throws -> T {
        let endpoint = options.resolvedEndpoint
        let connection: CoreConnection
        do {
            connection = try open(endpoint: endpoint, timeout: options.timeout, curve: try options.keys.resolved())
        } catch {
            printError("cannot connect to \(endpoint): \(error)")
            throw ExitCode(unavailableExitCode)
        }
        defer { connection.close() }
        do {
            return try await body(connection)
        } catch let error as RPCError {
            printError(error.message.isEmpty ? "\(error.code)" : error.message)
            switch error.code {
            case .unavailable, .deadlineExceeded: throw ExitCode(unavailableExitCode)
            default: throw ExitCode(rejectedExitCode)
            }
        }
    }
}

/// The process-wide ZeroMQ context of the CLI.
enum BusContext {
    static let shared: ZMQContext = {
        do {
            return try ZMQContext()
        } catch {
            printError("cannot create a ZeroMQ context: \(error)")
            exit(CoreConnection.unavailableExitCode)
        }
    }()
}

enum HeraldVersion {
    static let current = "0.1.0"
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("herald: error: \(message)\n".utf8))
}
