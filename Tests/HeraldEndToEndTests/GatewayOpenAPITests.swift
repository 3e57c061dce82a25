import Foundation
import HeraldTesting
import Testing

/// `openapi.yaml` checked against the running gateway by schemathesis (from PyPI,
/// installed by scripts/install-test-peers.sh): every documented operation is
/// called with generated valid and invalid requests, and each answer must be
/// documented (status, content type, headers, body schema), never a 5xx, reject
/// what the schema forbids, and refuse requests without the key.
@Suite("openapi.yaml against herald-gateway", .timeLimit(.minutes(5)))
struct GatewayOpenAPITests {
    static let specification = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml")

    @Test func theRunningGatewayMatchesItsOpenAPIDescription() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let created = try await core.heraldOK("apikey", "create", "salon", "--json")
        let key = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["key"] as? String)
        let gateway = try await RunningGateway.start(core: core)

        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let run = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                python, "-m", "schemathesis.cli", "run", Self.specification.path, "--url", gateway.baseURL,
                "--header", "Authorization: Bearer \(key)", "--max-examples", "25", "--seed", "7", "--no-color",
                "--checks", [
                    "not_a_server_error", "status_code_conformance", "content_type_conformance",
                    "response_schema_conformance", "response_headers_conformance", "negative_data_rejection",
                    "ignored_auth", "missing_required_header",
                ].joined(separator: ","),
            ])
        let status = try await run.waitForExit(within: .seconds(240))
        #expect(status == 0, "schemathesis found problems:\n\(run.stdout)\n\(run.stderr)")
        #expect(try await gateway.stop() == 0)
        // The key went to the gateway on every request and never into a log.
        #expect(!gateway.process.stderr.contains(key) && !core.process.stderr.contains(key))
    }
}
