import Foundation
import HeraldBus
import HeraldChannelKit
import HeraldTesting
import Testing

/// heraldd started on wildcard ports (`tcp://127.0.0.1:*`, metrics on port 0) names
/// the ports it bound in its log lines, not the wildcard, and those ports answer.
@Suite("Bound ports in heraldd's log", .timeLimit(.minutes(3)))
struct BoundPortLogTests {
    @Test func logLinesNameTheBoundPortsAndTheyAnswer() async throws {
        let core = try await RunningCore.start(arguments: ["--metrics-endpoint", "127.0.0.1:0"])
        try await eventually("the ready log line") { Self.line(core, containing: "heraldd ready") != nil }
        let ready = try #require(Self.line(core, containing: "heraldd ready"))
        let admin = try #require(Self.field("admin", in: ready), "\(ready)")
        let channel = try #require(Self.field("channel", in: ready), "\(ready)")
        let events = try #require(Self.field("events", in: ready), "\(ready)")
        let metrics = try #require(Self.field("metrics", in: ready), "\(ready)")
        for endpoint in [admin, channel, events] {
            #expect(Self.port(of: endpoint) != nil, "\(endpoint) in \(ready)")
        }
        #expect(metrics.hasPrefix("http://127.0.0.1:") && metrics.hasSuffix("/metrics") && !metrics.contains(":0/"), "\(metrics)")
        // The RPC server's own line names the admin port too.
        #expect(Self.line(core, containing: "serving RPC")?.contains(admin) == true, "\(core.process.stderr)")

        // A malformed message on each ROUTER endpoint is logged under the port it came in on.
        let context = try ZMQContext()
        for endpoint in [channel, admin] {
            let socket = try ZMQSocket(context: context, kind: .dealer)
            try socket.apply(ZMQSocketOptions(linger: .seconds(2)))
            try socket.connect(endpoint)
            try socket.send([Data("not a protobuf".utf8), Data()])
            socket.close()
            try await eventually("a dropped-message line naming \(endpoint)") {
                Self.lines(core).contains { $0.contains("dropped a malformed message") && $0.contains("zmq.endpoint=\(endpoint)") }
            }
        }

        // The ports in the log are the live ones.
        #expect(try await runHerald(["ping"], environment: ["HERALD_CORE": admin]).status == 0)
        let scrape = try await HTTPClient().send(HTTPRequest(method: "GET", url: metrics, timeout: .seconds(10), allowsProxy: false))
        #expect(scrape.status == 200)
        for endpoint in [channel, events] {
            #expect(Self.acceptsTCP(port: try #require(Self.port(of: endpoint))), "\(endpoint)")
        }
        // No line shows a wildcard instead of a port (a PostgreSQL URL's masked
        // password, `:***@`, is no port).
        let wildcard = Self.lines(core).filter { $0.contains(/:\*(?!\*)/) }
        #expect(wildcard.isEmpty, "\(wildcard)")
        #expect(try await core.stop() == 0)
    }

    static func lines(_ core: RunningCore) -> [Substring] {
        core.process.stderr.split(separator: "\n")
    }

    static func line(_ core: RunningCore, containing text: String) -> String? {
        lines(core).first { $0.contains(text) }.map(String.init)
    }

    /// `name=value` among a log line's metadata.
    static func field(_ name: String, in line: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The port of `tcp://127.0.0.1:PORT`; nil for a wildcard or anything else.
    static func port(of endpoint: String) -> UInt16? {
        guard endpoint.hasPrefix("tcp://127.0.0.1:") else { return nil }
        return UInt16(endpoint.dropFirst("tcp://127.0.0.1:".count)).flatMap { $0 > 0 ? $0 : nil }
    }

    static func acceptsTCP(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
