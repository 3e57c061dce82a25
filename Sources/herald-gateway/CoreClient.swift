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
    private let timeout: Duration

    init(endpoint: String, timeout: Duration, curve: CurveOptions?, logger: Logger) throws {
        var quiet = logger
        quiet.logLevel = .error
        self.context = try ZMQContext()
        self.client = try RPCClient(context: context, endpoint: endpoint, curve: curve, logger: quiet)
        self.endpoint = endpoint
        self.timeout = timeout
    }

    func close() { client.close() }

    /// Calls `herald.v1.Admin/<method>`; failures are ``RPCError``s.
    func call<Request: Message, Response: Message>(
        _ method: String, _ request: Request, as response: Response.Type = Response.self, timeout: Duration? = nil
    ) async throws -> Response {
        try await client.call(
            "/herald.v1.Admin/\(method)", request, as: response, timeout: timeout ?? self.timeout,
            metadata: ["client": "herald-gateway/0.1.0"])
    }
}
