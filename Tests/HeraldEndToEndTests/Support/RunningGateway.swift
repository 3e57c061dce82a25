import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// A real `herald-gateway` on a free port, talking to a ``RunningCore``.
final class RunningGateway: @unchecked Sendable {
    let process: ChildProcess
    let baseURL: String

    static func start(core: RunningCore, arguments: [String] = []) async throws -> RunningGateway {
        let process = try ChildProcess(
            Binaries.directory.appendingPathComponent("herald-gateway"),
            ["--listen", "127.0.0.1:0", "--core", core.adminEndpoint] + arguments, environment: core.clientEnvironment)
        let line = try await process.waitForLine(containing: "herald-gateway ready")
        let listen = line.split(separator: " ").first { $0.hasPrefix("listen=") }?.dropFirst("listen=".count) ?? ""
        return RunningGateway(process: process, baseURL: String(listen))
    }

    private init(process: ChildProcess, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// One HTTP request; `body` is sent as JSON, `rawBody` as it is (with the caller's Content-Type).
    func request(
        _ method: String, _ path: String, key: String? = nil, body: [String: Any]? = nil, rawBody: Data? = nil,
        headers: [HTTPHeader] = []
    ) async throws -> GatewayAnswer {
        var headers = headers
        if let key { headers.append(.bearerAuthorization(key)) }
        var data = rawBody ?? Data()
        if let body {
            data = try JSONSerialization.data(withJSONObject: body)
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        let response = try await HTTPClient().send(HTTPRequest(
            method: method, url: baseURL + path, headers: headers, body: data, timeout: .seconds(30), allowsProxy: false))
        return GatewayAnswer(response: response)
    }

    func stop() async throws -> Int32 {
        try await process.stop(within: .seconds(30))
    }
}

struct GatewayAnswer: CustomStringConvertible {
    var response: HeraldChannelKit.HTTPResponse
    var status: Int { response.status }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: response.body, as: UTF8.self) }
    var description: String { "\(status) \(text)" }
}
