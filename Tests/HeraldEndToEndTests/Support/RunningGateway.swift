import Foundation
import HeraldChannelKit
import Testing

/// A real `herald-gateway` on a free port, talking to a ``RunningCore``.
final class RunningGateway: @unchecked Sendable {
    let process: ChildProcess
    let baseURL: String

    static func start(core: RunningCore, arguments: [String] = []) async throws -> RunningGateway {
        let process = try ChildProcess(
            Binaries.directory.appendingPathComponent("herald-gateway"),
            ["--listen", "127.0.0.1:0", "--core", core.adminEndpoint] + arguments, environment: core.clientEnvironment)
        try await waitUntil(timeout: .seconds(60), "herald-gateway's ready line") {
            if !process.isRunning { throw StartFailed(stderr: process.stderr) }
            return process.stdout.contains("herald-gateway ready")
        }
        let line = process.stdout.split(separator: "\n").first { $0.hasPrefix("herald-gateway ready") } ?? ""
        let listen = line.split(separator: " ").first { $0.hasPrefix("listen=") }?.dropFirst("listen=".count) ?? ""
        return RunningGateway(process: process, baseURL: String(listen))
    }

    private init(process: ChildProcess, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// One HTTP request; `body` is sent as JSON.
    func request(
        _ method: String, _ path: String, key: String? = nil, body: [String: Any]? = nil, headers: [HTTPHeader] = []
    ) async throws -> GatewayAnswer {
        var headers = headers
        if let key { headers.append(.bearerAuthorization(key)) }
        var data = Data()
        if let body {
            data = try JSONSerialization.data(withJSONObject: body)
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        let response = try await HTTPClient().send(HTTPRequest(
            method: method, url: baseURL + path, headers: headers, body: data, timeout: .seconds(30), allowsProxy: false))
        return GatewayAnswer(response: response)
    }

    func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.waitForExit()
    }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
    }
}

struct GatewayAnswer: CustomStringConvertible {
    var response: HeraldChannelKit.HTTPResponse
    var status: Int { response.status }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: response.body, as: UTF8.self) }
    var description: String { "\(status) \(text)" }
}
