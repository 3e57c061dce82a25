import Foundation
import HeraldTesting
import Testing

/// The database's disk fills up under a running core: results that cannot be
/// stored are not lost, nothing new is handed out, admin writes answer
/// UNAVAILABLE, and all of it resumes by itself once space returns.
///
/// The disk is a real size-limited file system: a 16 MiB tmpfs mounted for
/// the test (root with CAP_SYS_ADMIN, as in CI's containers), filled with a
/// file until `write(2)` says ENOSPC, so SQLite meets the very error a full
/// disk gives. Without the capability the suite is skipped, saying why.
@Suite(
    "heraldd when the disk fills up", .timeLimit(.minutes(3)),
    .enabled(if: SmallDisk.canMount, "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"))
struct DiskFullTests {
    @Test func resultsWaitWhileTheDiskIsFullAndAreStoredOnceWhenSpaceReturns() async throws {
        let (disk, core, worker) = try await Self.fillTheDiskUnderHeldResults(bookings: 6, held: 3)

        // One clear line naming the cause and the file, and the flag on `herald ping`.
        try await eventually("ping to report the full disk") {
            try await core.ping().store_writable == false
        }
        let ping = try await core.ping()
        #expect(ping.store_problem?.contains("disk full") == true, "\(ping)")
        #expect(ping.store_problem?.contains(core.databasePath) == true, "\(ping)")
        let outageLines = core.process.stderr.split(separator: "\n").filter { $0.contains("database cannot be written") }
        #expect(outageLines.count == 1, "\(outageLines)")
        #expect(outageLines.first?.contains("disk full") == true && outageLines.first?.contains(core.databasePath) == true)
        let human = try await core.heraldOK("ping")
        #expect(human.contains("disk full"), "\(human)")
        #expect(try await Self.storeWritableGauge(core) == 0)

        // Admin writes are refused as UNAVAILABLE (exit 69), reads still answer.
        let refused = try await core.herald("booking", "create", "salon", "--id", "b-late", "--start", iso8601(Date().addingTimeInterval(86400)))
        #expect(refused.status == 69, "\(refused)")
        #expect(refused.stderr.contains("disk full") && refused.stderr.contains("nothing was changed"), "\(refused)")
        #expect(try await core.log(tenant: "salon").isEmpty)

        // The three results keep failing to be stored, and while they do the
        // worker's free credit gets nothing: the other three stay queued.
        try await eventually("the core to retry storing the results") {
            try await core.ping().store_refused_writes ?? 0 >= 4
        }
        #expect(worker.handedOut.count == 3, "\(worker.handedOut)")
        #expect(try await core.log(tenant: "salon").isEmpty)

        // Space returns: no restart, the held results are stored, the rest go out.
        try disk.free()
        let rows = try await waitForLog(core, tenant: "salon", "all six confirmations to be logged sent") { rows in
            rows.filter { $0.outcome == "sent" }.count == 6
        }
        #expect(rows.count == 6, "\(rows)")
        #expect(Set(rows.map(\.job_id)).count == 6, "a job logged twice: \(rows)")
        #expect(Set(worker.handedOut.map(\.id)).count == 6, "a delivery handed out twice: \(worker.handedOut)")
        #expect(try await core.ping().store_writable == true)
        #expect(try await Self.storeWritableGauge(core) == 1)
        #expect(core.process.stderr.contains("database writable again"))
        try await core.heraldOK("tenant", "create", "after", "--name", "After")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0, "\(core.process.stderr)")
        disk.unmount()
    }

    /// A core killed while it holds results it could not store loses nothing:
    /// the leases are still in the database, so the deliveries go out again.
    @Test func resultsHeldAtACrashAreDeliveredAgainAfterRestart() async throws {
        let (disk, crashed, first) = try await Self.fillTheDiskUnderHeldResults(bookings: 2, held: 2)
        try await eventually("the core to fail storing the results") {
            try await crashed.ping().store_refused_writes ?? 0 >= 2
        }
        _ = try await crashed.stop(signal: SIGKILL)
        try await first.kill9()

        try disk.free()
        let core = try await RunningCore.start(in: disk.url)
        let second = try await RunningChannel.start("email-2", core: core, directory: disk.scratch)
        let rows = try await waitForLog(core, tenant: "salon", "both confirmations to be logged sent") { rows in
            rows.filter { $0.outcome == "sent" }.count == 2
        }
        #expect(rows.count == 2 && Set(rows.map(\.job_id)).count == 2, "\(rows)")
        #expect(rows.allSatisfy { $0.attempts == 2 }, "sent again at the next attempt: \(rows)")
        #expect(Set(second.handedOut.map(\.id)) == Set(first.handedOut.map(\.id)))
        #expect(try await second.stop() == 0)
        #expect(try await core.stop() == 0)
        disk.unmount()
    }
}

extension DiskFullTests {
    /// `herald_store_writable` as `herald stats --json` reads it from the core's metrics.
    static func storeWritableGauge(_ core: RunningCore) async throws -> Double? {
        let stats = try JSONSerialization.jsonObject(with: Data(try await core.heraldOrThrow(["stats", "--json"]).utf8))
        let gauges = (stats as? [String: Any])?["gauges"] as? [[String: Any]] ?? []
        return gauges.first { $0["name"] as? String == "herald_store_writable" }?["value"] as? Double
    }

    /// A core on a fresh ``SmallDisk`` with tenant "salon" and `bookings`
    /// confirmations due, `held` of them in the hands of a worker that answers
    /// only once the disk is full (then at once).
    static func fillTheDiskUnderHeldResults(
        bookings: Int, held: Int
    ) async throws -> (SmallDisk, RunningCore, RunningChannel) {
        let disk = try SmallDisk()
        let core = try await RunningCore.start(in: disk.url)
        try await core.createTenant("salon")
        for index in 1...bookings {
            try await core.createBooking("salon", id: "b-\(index)")
        }
        let gate = disk.scratch.appendingPathComponent("gate")
        try Data().write(to: gate)
        let worker = try await RunningChannel.start(
            "email-1", core: core, directory: disk.scratch, arguments: ["--max-in-flight", "\(held)", "--hold-while", gate.path])
        try await eventually("the worker to hold \(held) deliveries") { worker.handedOut.count == held }
        try disk.fill()
        try FileManager.default.removeItem(at: gate)
        return (disk, core, worker)
    }
}

/// A size-limited tmpfs mounted for one test, in a temporary directory of its
/// own; unmounted and removed when this value goes.
final class SmallDisk: @unchecked Sendable {
    /// The temporary directory, on the ordinary disk.
    let scratch: URL
    /// The mounted file system, inside `scratch`.
    let url: URL
    private var filler: URL { url.appendingPathComponent("filler") }

    /// Whether this process may mount one (probed once, with a throwaway mount).
    static let canMount: Bool = {
        guard let probe = try? makeTemporaryDirectory() else { return false }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]) == 0 else { return false }
        return run("/bin/umount", [probe.path]) == 0
    }()

    init(megabytes: Int = 16) throws {
        scratch = try makeTemporaryDirectory()
        url = scratch.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", url.path]) == 0 else {
            try? FileManager.default.removeItem(at: scratch)
            throw POSIXError(.EPERM)  // mount(8) said why on stderr
        }
    }

    /// Writes a file until the file system has no block left.
    func fill() throws {
        let descriptor = open(filler.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == ENOSPC else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
                return
            }
        }
    }

    func free() throws {
        try FileManager.default.removeItem(at: filler)
    }

    /// Unmounts (lazily: a core killed a moment ago may still hold its files)
    /// and removes the scratch directory; the end of a test calls it, so the
    /// disk outlives every process that uses it.
    func unmount() {
        guard FileManager.default.fileExists(atPath: scratch.path) else { return }
        Self.run("/bin/umount", ["-l", url.path])
        try? FileManager.default.removeItem(at: scratch)
    }

    deinit { unmount() }

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// What `herald ping --json` prints.
struct PingReport: Decodable, Sendable {
    var version: String
    var dropped_frames: Int
    var store_writable: Bool
    var store_problem: String?
    var store_refused_writes: Int?
}

extension RunningCore {
    func ping() async throws -> PingReport {
        try await decoded(PingReport.self, ["ping", "--json"])
    }
}
