import Foundation
import HeraldTesting
import Testing

/// `heraldd` stopping (SIGTERM) tells its workers with `Shutdown`, and a worker
/// takes it as "the core is going away": it stays up and registers with the
/// next core on the endpoint.
@Suite("The core's Shutdown reaches its workers", .timeLimit(.minutes(5)))
struct CoreShutdownTests {
    /// A heartbeat interval of 30 s: without Shutdown the worker would notice the
    /// core gone only after 90 s of silence.
    static let slowHeartbeats = ["--heartbeat-interval", "30"]

    @Test func aWorkerSeesShutdownAtOnceAndRegistersWithTheNextCore() async throws {
        let directory = try TemporaryDirectory()
        let core = try await RunningCore.start(in: directory.url, arguments: Self.slowHeartbeats)
        let worker = try await RunningChannel.start("email-1", core: core, directory: directory.url)
        let next = try await Self.restart(
            core, in: directory.url, worker: worker.process, instance: "email-1", provider: "test",
            line: "the core is shutting down")
        #expect(try await worker.stop() == 0, "\(worker.process.stderr.suffix(2000))")
        #expect(try await next.stop() == 0)
    }

    /// SIGTERMs `core`, checks that `worker` logs `line` (the reason the core's
    /// Shutdown carries) long before silence could have told it, and keeps
    /// running, starts a core on the same endpoints and database, and waits for
    /// the worker to register with it and send a booking's confirmation.
    ///
    /// Alone on this 2-core machine the worker logs it about 0.3 s after SIGTERM;
    /// the bound below is 10 s, a ninth of the 90 s that three silent heartbeat
    /// intervals take, so that a loaded machine (the end-to-end phase runs dozens
    /// of processes) cannot fail it while a core that sent no Shutdown still does.
    static func restart(
        _ core: RunningCore, in directory: URL, worker: ChildProcess, instance: String, provider: String, line: String
    ) async throws -> RunningCore {
        let endpoints = core.endpoints
        try await core.createTenant("salon")
        let stopped = ContinuousClock.now
        core.process.signal(SIGTERM)
        try await eventually("the worker to log \"\(line)\"", within: .seconds(20)) {
            if !worker.isRunning { throw WorkerExited(instance: instance, stderr: worker.stderr) }
            return worker.stderr.contains(line)
        }
        let noticed = ContinuousClock.now - stopped
        #expect(noticed < .seconds(10), "the worker saw Shutdown \(noticed) after SIGTERM")
        #expect(try await core.process.waitForExit() == 0, "\(core.process.stderr.suffix(2000))")
        #expect(worker.isRunning, "\(worker.stderr.suffix(2000))")

        let next = try await RunningCore.start(in: directory, arguments: slowHeartbeats, endpoints: endpoints)
        try await eventually("worker \(instance) to register with the new core", within: .seconds(60)) {
            if !worker.isRunning { throw WorkerExited(instance: instance, stderr: worker.stderr) }
            return try await next.channels().workers.contains { $0.instance_id == instance }
        }
        try await next.createBooking("salon", id: "b-after")
        let rows = try await waitForLog(next, tenant: "salon", "the confirmation sent through the new core") { rows in
            rows.contains { $0.booking_id == "b-after" && $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        #expect(rows.first { $0.booking_id == "b-after" }?.provider == provider)
        return next
    }
}
