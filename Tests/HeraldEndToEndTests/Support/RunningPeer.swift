import Foundation
import HeraldTesting

/// A Python protocol peer from `Tests/Peers` (a provider API or a webhook
/// subscriber) on a free loopback port, recording every request it answers.
final class RunningPeer: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let recordFile: URL

    /// Where the peer scripts are, found from this file's path.
    static let scripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Peers")

    /// Starts `python3 Tests/Peers/<script> --record FILE ARGS` and waits for its
    /// "ready port=N" line.
    static func start(_ script: String, directory: URL, arguments: [String] = []) async throws -> RunningPeer {
        let recordFile = directory.appendingPathComponent("\(script)-\(UUID().uuidString).jsonl")
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let process = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [python, scripts.appendingPathComponent(script).path, "--record", recordFile.path] + arguments)
        let line = try await process.waitForLine(containing: " ready port=", within: .seconds(30))
        guard let port = line.split(separator: "=").last.flatMap({ Int($0) }) else {
            throw PeerExited(script: script, stderr: "no port in \(line)")
        }
        return RunningPeer(process: process, port: port, recordFile: recordFile)
    }

    private init(process: ChildProcess, port: Int, recordFile: URL) {
        self.process = process
        self.port = port
        self.recordFile = recordFile
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request answered so far, in order.
    var requests: [PeerRequest] {
        guard let text = try? String(contentsOf: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(PeerRequest.self, from: Data($0.utf8)) }
    }

}

/// One request as a peer recorded it.
struct PeerRequest: Decodable, Sendable, CustomStringConvertible {
    var time: Double
    var method: String
    var path: String
    /// Names in lower case.
    var headers: [String: String]
    var body: String
    var status: Int
    /// The webhook peer: whether `standardwebhooks` accepted the signature.
    var verified: Bool?
    var verify_error: String?

    /// The body as `application/x-www-form-urlencoded` fields.
    var form: [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = body.replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] { fields[item.name] = item.value ?? "" }
        return fields
    }

    /// The body as a JSON object.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    var description: String { "\(method) \(path) -> \(status) \(body)" }
}

struct PeerExited: Error, CustomStringConvertible {
    var script: String
    var stderr: String
    var description: String { "\(script) exited before it was ready:\n\(stderr)" }
}
