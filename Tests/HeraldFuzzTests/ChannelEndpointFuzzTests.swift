import Foundation
import HeraldBus
import HeraldProto
import PropertyBased
import Testing

@testable import HeraldCore

/// The dispatcher's side of the channel protocol, fed hostile frames from a
/// few peers at once, straight into its loop (no sockets in between, so every
/// run is a message): it never traps, its bookkeeping stays within the
/// protocol's bounds, and afterwards an honest worker still gets the job.
@Suite("channel endpoint fuzz", .timeLimit(.minutes(2)))
struct ChannelEndpointFuzzTests {
    static let peers = (0..<4).map { Data("peer-\($0)".utf8) }

    @Test func theDispatcherSurvivesHostileWorkers() async throws {
        try await FuzzCore.with(runDispatcher: false) { core in
            let booking = try await core.seedBooking()
            let jobs = try await core.store.jobs(bookingID: booking.id)
            let due = try #require(jobs.first { $0.channel == "email" && $0.kind == .confirmation })

            let endpoint = try RouterEndpoint(
                context: core.context,
                configuration: .init(
                    endpoint: "tcp://127.0.0.1:*", droppedFramesCounter: core.metrics.framesUndecodable(endpoint: "channel")),
                logger: FuzzCore.logger)
            defer { endpoint.close() }
            let refusals = ChannelRefusals(logger: FuzzCore.logger, metrics: core.metrics)
            let loop = DispatchLoop(
                store: core.store, endpoint: endpoint, clock: SystemWallClock(), configuration: DispatcherConfiguration(),
                coreVersion: "fuzz", logger: FuzzCore.logger, metrics: core.metrics, refusals: refusals)
            // A budget a hundred times the real one: the loop behind it is what is fuzzed here.
            var intake = ChannelIntake(endpoint: endpoint, refusals: refusals, heartbeatInterval: 0.01)
            let frames = Frames.hostile(Corpus.frames(Corpus.workerMessages))
            let message = zip(Gen.int(in: 0...(Self.peers.count - 1)), frames)

            await propertyCheck(count: 2000, input: message.array(of: 1...8)) { messages in
                for (peer, frame) in messages where !frame.isEmpty {
                    guard let body = intake.admit(RouterMessage(peer: Self.peers[peer], frames: [frame])) else { continue }
                    loop.handle(body, from: Self.peers[peer])
                }
                try await loop.turn()
                for worker in loop.state.workers.values {
                    #expect((1...10_000).contains(worker.maxInFlight))
                    #expect(worker.inFlight.count <= worker.maxInFlight)
                    #expect((1...64).contains(worker.channel.count) && (1...200).contains(worker.instanceID.count))
                }
                #expect(loop.state.pendingResults.isEmpty)
            }

            // The frames got past the decoder to every check behind it.
            let metrics = core.metrics.snapshot()
            for reason in ["invalid_register", "invalid_result", "not_registered"] {
                #expect(metrics.counter("herald_messages_refused_total", ["endpoint": "channel", "reason": reason]) ?? 0 > 0, "\(reason)")
            }
            #expect(metrics.counter("herald_results_ignored_total", ["reason": "unknown_delivery"]) ?? 0 > 0)
            #expect(metrics.counter("herald_frames_undecodable_total", ["endpoint": "channel"]) ?? 0 > 0)

            // The fuzzing peers leave; an honest worker is handed the job, at whatever attempt it has reached.
            for peer in Self.peers { loop.handle(.goodbye(.with { $0.reason = "done" }), from: peer) }
            let honest = Data("honest".utf8)
            var register = Corpus.register
            register.instanceID = "honest"
            loop.handle(.register(register), from: honest)
            try await loop.turn()
            let job = try #require(try await core.store.jobs(bookingID: booking.id).first { $0.id == due.id })
            #expect(job.status == .leased && loop.state.inFlight[due.id]?.peer == honest, "the job is \(job.status)")
        }
    }
}
