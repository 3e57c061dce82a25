import HeraldAdminRPC
import HeraldBus
import HeraldProto
import Logging
import SwiftProtobuf

/// The gateway's one admin RPC connection to the core, shared by all requests
/// (the client multiplexes calls in flight).
final class CoreClient: Sendable {
    let endpoint: String
    private let context: ZMQContext
    private let client: RPCClient
    /// The core's admin service, with the gateway's timeout and client tag on every call.
    let admin: Herald_V1_Admin.Client

    init(endpoint: String, timeout: Duration, curve: CurveOptions?, logger: Logger) throws {
        var quiet = logger
        quiet.logLevel = .error
        self.context = try ZMQContext()
        self.client = try RPCClient(context: context, endpoint: endpoint, curve: curve, logger: quiet)
        self.endpoint = endpoint
        self.admin = Herald_V1_Admin.Client(RPCCallerWithDefaults(client, defaults: RPCCallOptions(
            timeout: timeout, metadata: ["client": "herald-gateway/0.1.0"])))
    }

    func close() { client.close() }
}
