// The real processes a scenario drives: heraldd, herald-test-channel workers and
// the sqlite3 shell; and what /proc says about them.
import Foundation
import HeraldBus

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Progress goes to stderr, so `--json` keeps stdout to one document.
func progress(_ line: String) {
    FileHandle.standardError.write(Data("herald-bench: \(line)\n".utf8))
}

/// Where the binaries are and where scenarios put their databases and logs.
struct BenchEnvironment {
    let heraldd: String
    let testChannel: String
    let gateway: String
    let directory: URL
    /// With `--curve`: every core, worker and admin client speaks CURVE.
    var curve: BenchCurve?
    /// With `--db postgres://...`: the server each scenario gets a fresh database on.
    var postgresServer: String?
    /// With `--cores N` (PostgreSQL): cores on one database in the dispatch and lateness scenarios.
    var cores = 1

    /// A fresh, empty database for one run of a scenario.
    func makeDatabase(in directory: URL) throws -> BenchDatabase {
        try BenchDatabase.make(in: directory, server: postgresServer)
    }

    /// A fresh subdirectory for one scenario.
    func scenarioDirectory(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// One running heraldd on free loopback ports.
final class CoreProcess {
    let process: Process
    let admin: String
    let channel: String
    let log: URL
    /// From launch to the ready line.
    let startup: Duration

    var pid: Int32 { process.processIdentifier }

    /// Starts heraldd on `database` and waits for its ready line.
    init(curveArguments: [String] = [], binary: String, database: BenchDatabase, log: URL, coreID: String = "bench") throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--db", database.argument, "--core-id", coreID, "--log-level", "warning",
            "--admin-endpoint", "tcp://127.0.0.1:*", "--channel-endpoint", "tcp://127.0.0.1:*",
            "--events-endpoint", "tcp://127.0.0.1:*",
        ] + curveArguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        self.log = log
        process.standardError = try FileHandle(forWritingTo: log)
        let readyPipe = Pipe()
        process.standardOutput = readyPipe
        let launched = ContinuousClock.now
        try process.run()
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = readyPipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw BenchError("heraldd exited (status \(process.terminationStatus)) before its ready line: \(Self.tail(of: log))")
            }
            buffer += chunk
        }
        startup = ContinuousClock.now - launched
        let words = String(decoding: buffer, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        func endpoint(_ key: String) -> String? {
            words.first(where: { $0.hasPrefix(key + "=") }).map { String($0.dropFirst(key.count + 1)) }
        }
        guard let admin = endpoint("admin"), let channel = endpoint("channel") else {
            process.terminate()
            throw BenchError("heraldd's ready line has no admin= or channel=: \(String(decoding: buffer, as: UTF8.self))")
        }
        self.admin = admin
        self.channel = channel
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    static func tail(of log: URL) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(5).joined(separator: " | ")
    }
}

/// `count` heraldd on one database (several only on PostgreSQL), each with an admin
/// client; a scenario spreads its clients and workers over them in turn.
final class CoreGroup {
    let cores: [CoreProcess]
    let callers: [AdminCaller]

    init(environment: BenchEnvironment, context: ZMQContext, database: BenchDatabase, directory: URL) throws {
        var cores: [CoreProcess] = []
        var callers: [AdminCaller] = []
        for index in 1...max(1, environment.cores) {
            let core = try CoreProcess(
                curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database,
                log: directory.appendingPathComponent(environment.cores > 1 ? "heraldd-\(index).log" : "heraldd.log"),
                coreID: "bench-\(index)")
            cores.append(core)
            callers.append(try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin))
        }
        self.cores = cores
        self.callers = callers
    }

    var first: CoreProcess { cores[0] }
    var caller: AdminCaller { callers[0] }
    /// The channel endpoint for worker `index`, round robin.
    func channel(_ index: Int) -> String { cores[index % cores.count].channel }
    /// CPU of every core, seconds.
    var cpuSeconds: Double { cores.map { ProcStats.cpuSeconds(pid: $0.pid) ?? 0 }.reduce(0, +) }
    var logs: String { cores.map(\.log.path).joined(separator: ", ") }

    func stop() {
        callers.forEach { $0.close() }
        cores.forEach { $0.stop() }
    }
}

/// herald-test-channel workers that answer `sent` at once.
final class TestWorkers {
    let processes: [Process]
    let records: [URL]

    init(
        binary: String, cores: [String], count: Int, maxInFlight: Int, directory: URL, name: String, curveArguments: [String] = [],
        extraArguments: [String] = []
    ) throws {
        var processes: [Process] = []
        var records: [URL] = []
        for index in 0..<count {
            let record = directory.appendingPathComponent("\(name)-\(index).record")
            let log = directory.appendingPathComponent("\(name)-\(index).log")
            _ = FileManager.default.createFile(atPath: record.path, contents: nil)
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "--core", cores[index % cores.count], "--instance", "\(name)-\(index)", "--max-in-flight", "\(maxInFlight)",
                "--log-level", "warning", "--record", record.path,
            ] + curveArguments + extraArguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            processes.append(process)
            records.append(record)
        }
        self.processes = processes
        self.records = records
    }

    func start() throws {
        for process in processes { try process.run() }
    }

    /// SIGTERM (they drain and say Goodbye), then waits.
    func stop() {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
    }

    var cpuSeconds: Double {
        processes.compactMap { ProcStats.cpuSeconds(pid: $0.processIdentifier) }.reduce(0, +)
    }
}

/// Counts the lines the workers' `--record` files grow by, reading only what is new.
final class RecordCounter {
    private let handles: [FileHandle]
    private(set) var lines = 0
    private(set) var redeliveries = 0

    init(_ files: [URL]) throws {
        handles = try files.map { try FileHandle(forReadingFrom: $0) }
    }

    /// Reads what was appended since the last call; returns the total line count.
    @discardableResult
    func poll() -> Int {
        for handle in handles {
            guard let data = try? handle.readToEnd(), !data.isEmpty else { continue }
            for line in data.split(separator: UInt8(ascii: "\n")) {
                lines += 1
                // "<delivery_id> <attempt>": anything but attempt 1 is a redelivery.
                if let space = line.lastIndex(of: UInt8(ascii: " ")), line[(space + 1)...].elementsEqual("1".utf8) == false {
                    redeliveries += 1
                }
            }
        }
        return lines
    }
}

/// CPU time and memory of a process, from /proc (Linux only).
enum ProcStats {
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime, in seconds.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "(comm)": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// CPU of every process of this machine named `postgres` (the server and its
    /// backends; backends that ended meanwhile are not counted), in seconds.
    static func postgresCPUSeconds() -> Double {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).reduce(0) { total, pid in
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres"
            else { return total }
            return total + (cpuSeconds(pid: pid) ?? 0)
        }
    }

    /// A "Vm...:   1234 kB" line of /proc/PID/status, in MiB.
    static func memoryMiB(pid: Int32, field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) }
            return number.map { $0 / 1024 }
        }
        return nil
    }
}

/// The sqlite3 command-line shell, used to fill a database directly and to count rows.
enum SQLiteShell {
    static let missingMessage = "needs the sqlite3 command-line shell (Debian/Ubuntu: apt-get install -y sqlite3)"

    static var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/sqlite3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `sql` against `database` (stopping at the first error) and returns stdout.
    @discardableResult
    static func run(_ database: URL, _ sql: String) throws -> String {
        guard let path else { throw BenchError(missingMessage) }
        return try runTool(path, ["-batch", "-bail", database.path], input: sql)
    }
}

/// Runs a command-line tool with `input` on its stdin; returns its stdout, trimmed,
/// or throws with its stderr when it fails.
func runTool(_ path: String, _ arguments: [String], input: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = stdin
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let name = URL(fileURLWithPath: path).lastPathComponent
        throw BenchError("\(name) failed (status \(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))")
    }
    return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `--curve`: key pairs for the core, the admin client and the workers, in the bench's directory.
struct BenchCurve {
    let coreArguments: [String]
    let channelArguments: [String]
    /// herald-gateway's: it is an admin client of the core.
    let gatewayArguments: [String]
    let admin: CurveOptions
    let channel: CurveOptions

    init(directory: URL) throws {
        let core = try CurveKeyPair.generate(), admin = try CurveKeyPair.generate(), channel = try CurveKeyPair.generate()
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        let authorized = "admin \(admin.publicKey) bench-admin\nchannel \(channel.publicKey) bench-workers\n"
        coreArguments = [
            "--curve-secret-key", try file("core.key", core.secretFileText),
            "--authorized-keys", try file("authorized_keys", authorized),
        ]
        channelArguments = [
            "--curve-secret-key", try file("channel.key", channel.secretFileText), "--curve-server-key", core.publicKey,
        ]
        gatewayArguments = [
            "--curve-secret-key", try file("admin.key", admin.secretFileText), "--curve-server-key", core.publicKey,
        ]
        self.admin = .client(admin, serverPublicKey: core.publicKey)
        self.channel = .client(channel, serverPublicKey: core.publicKey)
    }
}
