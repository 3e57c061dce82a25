import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Testing

/// A real `heraldd` bombarded over real ZeroMQ on both ROUTER endpoints with
/// what a hostile or broken peer sends: noise, oversized frames, impossible
/// and out-of-turn messages, floods. Afterwards it answers Ping, a real
/// channel worker that was connected throughout still delivers, and the log
/// has a few lines about it, not one per frame.
@Suite("Hostile frames end to end", .timeLimit(.minutes(5)))
struct HostileFramesTests {
    /// SplitMix64: the frames of a run are reproducible from the seed it logs.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let framesPerPeer = 2000

    @Test func theCoreSurvivesABombardmentAndStillDelivers() async throws {
        let core = try await RunningCore.start()
        let worker = try await RunningChannel.start("email-1", core: core, directory: core.directory)
        try await core.createTenant("salon")
        let linesBefore = core.process.stderr.split(separator: "\n").count

        let seed = UInt64.random(in: .min ... .max)
        var rng = SeededGenerator(state: seed)
        let context = try ZMQContext()
        for endpoint in [core.channelEndpoint, core.adminEndpoint] {
            for _ in 0..<3 {
                let socket = try ZMQSocket(context: context, kind: .dealer)
                try socket.apply(ZMQSocketOptions(linger: .seconds(2)))
                try socket.connect(endpoint)
                for index in 0..<Self.framesPerPeer {
                    try socket.send([Self.hostileFrame(index, using: &rng)])
                }
                socket.close()
            }
        }

        // Still serving, and it has seen the bombardment: the floods of heartbeats,
        // registrations and goodbyes (3 of 8 frames from each of 3 peers) were cut
        // to each peer's budget, the noise dropped.
        let refused = ["endpoint": "channel", "reason": "rate_limited"]
        var stats = try await core.decoded(StatsReport.self, ["stats", "--json"])
        try? await eventually("1000 refusals to be counted", within: .seconds(60)) {
            stats = try await core.decoded(StatsReport.self, ["stats", "--json"])
            return stats.counter("herald_messages_refused_total", refused) ?? 0 >= 1000
        }
        #expect(stats.counter("herald_messages_refused_total", refused) ?? 0 >= 1000, "seed \(seed)")
        let ping = try await core.heraldOK("ping", "--json")
        let dropped = (try JSONSerialization.jsonObject(with: Data(ping.utf8)) as? [String: Any])?["dropped_frames"] as? Int ?? 0
        #expect(dropped > 0, "seed \(seed)")

        // The worker connected throughout is still registered and still delivers.
        try await core.createBooking("salon", id: "b-1")
        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(60), "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        #expect(rows.filter { $0.outcome == "sent" }.count == 1, "seed \(seed): \(rows)")
        #expect(core.process.isRunning)

        // 12 000 hostile frames cost the log a few lines per kind of refusal, not one per frame.
        let lines = core.process.stderr.split(separator: "\n").count - linesBefore
        #expect(lines < 300, "seed \(seed): \(lines) log lines")
        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    /// One frame of the bombardment: mostly messages that decode, so they get
    /// past the decoder to the checks behind it; some noise; one oversized frame.
    static func hostileFrame(_ index: Int, using rng: inout SeededGenerator) -> Data {
        if index == framesPerPeer / 2 { return Data(count: Int(FrameLimits.core) + 1) }
        let text = { (rng: inout SeededGenerator) in String(repeating: "x", count: Int.random(in: 0...300, using: &rng)) }
        let message: Herald_V1_WorkerMessage
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:
            return Data((0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 1:
            message = .with {
                $0.register = .with {
                    $0.protocolVersion = Bool.random(using: &rng) ? .protocolVersion1 : .init(rawValue: 7)!
                    $0.channel = text(&rng)
                    $0.provider = "hostile"
                    $0.instanceID = "hostile-\(Int.random(in: 0...3, using: &rng))"
                    $0.maxInFlight = UInt32.random(in: 0...20_000, using: &rng)
                }
            }
        case 2, 3:
            message = .with { $0.heartbeat = .with { $0.inFlight = UInt32.random(in: 0...UInt32.max, using: &rng) } }
        case 4, 5:
            message = .with {
                $0.result = .with {
                    $0.deliveryID = Bool.random(using: &rng) ? "" : "job_\(Int.random(in: 0...1_000_000, using: &rng))"
                    $0.attempt = UInt32.random(in: 0...3, using: &rng)
                    $0.outcome = .init(rawValue: Int.random(in: 0...5, using: &rng))!
                    $0.retryAfterMs = UInt32.random(in: 0...UInt32.max, using: &rng)
                    $0.errorMessage = text(&rng)
                }
            }
        case 6:
            message = .with { $0.goodbye = .with { $0.reason = text(&rng) } }
        default:
            let request = Herald_V1_RpcRequest.with {
                $0.id = "h-\(Int.random(in: 0...1_000_000, using: &rng))"
                $0.method = Bool.random(using: &rng) ? "/herald.v1.Admin/CreateBooking" : "/herald.v1.Admin/" + text(&rng)
                $0.timeoutMs = 5000
                $0.payload = Data((0..<Int.random(in: 0...100, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
            return try! request.serializedData()
        }
        return try! message.serializedData()
    }
}
