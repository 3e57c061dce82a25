// herald-gateway in front of a heraldd, loaded by wrk the way a busy booking
// app would: POST /api/tenants/{t}/bookings over many keep-alive connections.
import Foundation
import HeraldBus
import HeraldProto

/// One running herald-gateway on a free loopback port, in front of `core`.
final class GatewayProcess {
    let process: Process
    /// `http://127.0.0.1:PORT`, from the ready line.
    let url: String

    var pid: Int32 { process.processIdentifier }

    init(binary: String, core: String, curveArguments: [String], log: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no herald-gateway next to me at \(binary); run `swift build -c release` first")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--core", core, "--log-level", "warning"] + curveArguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        let readyPipe = Pipe()
        process.standardOutput = readyPipe
        try process.run()
        // "herald-gateway ready listen=http://127.0.0.1:PORT core=..."
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = readyPipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw BenchError("herald-gateway exited (status \(process.terminationStatus)) before its ready line: \(CoreProcess.tail(of: log))")
            }
            buffer += chunk
        }
        let line = String(decoding: buffer, as: UTF8.self)
        guard let word = line.split(whereSeparator: { $0 == " " || $0 == "\n" }).first(where: { $0.hasPrefix("listen=") }) else {
            process.terminate()
            throw BenchError("herald-gateway's ready line has no listen=: \(line)")
        }
        url = String(word.dropFirst("listen=".count))
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// wrk, the HTTP load generator (Debian's `wrk` package), driven by a Lua script
/// whose `done` hook prints the figures on one line, so nothing depends on the
/// layout of wrk's own report.
enum Wrk {
    static let missingMessage = "not run: install wrk (Debian/Ubuntu: apt-get install -y wrk)"

    static var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/wrk" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Figures {
        var requests: Int
        var seconds: Double
        /// Answers with a status of 400 or more (wrk's `errors.status`).
        var badStatus: Int
        /// Connect, read, write and timeout errors together.
        var socketErrors: Int
        var p50Ms: Double
        var p99Ms: Double
        var maxMs: Double

        var rate: Double { Double(requests) / seconds }
    }

    /// A script that POSTs `body` to `path` with `headers`, and reports through `done`.
    static func postScript(path: String, headers: [String: String], body: String) -> String {
        func lua(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let headerLines = headers.sorted { $0.key < $1.key }.map { "wrk.headers[\(lua($0.key))] = \(lua($0.value))" }
        return """
            -- Written by herald-bench's gateway scenario.
            wrk.method = "POST"
            wrk.path = \(lua(path))
            wrk.body = \(lua(body))
            \(headerLines.joined(separator: "\n"))

            \(doneFunction)
            """
    }

    /// wrk's `done` hook printing the figures ``run(url:script:seconds:connections:threads:)`` reads.
    static let doneFunction = """
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("herald-bench-wrk %d %d %d %d %d %d %d %d\\n",
            summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
            latency:percentile(50), latency:percentile(99), latency.max, 0))
        end
        """

    /// Runs wrk with `script` against `url` for `seconds` over `connections` connections.
    static func run(url: String, script: URL, seconds: Int, connections: Int, threads: Int) throws -> Figures {
        guard let path else { throw BenchError(missingMessage) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t", "\(threads)", "-c", "\(connections)", "-d", "\(seconds)s", "--timeout", "10s", "-s", script.path, url]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = out.split(separator: "\n").first(where: { $0.hasPrefix("herald-bench-wrk ") })
        else {
            throw BenchError("wrk failed (status \(process.terminationStatus)): \(out) \(err)")
        }
        let numbers = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard numbers.count == 8 else { throw BenchError("wrk's summary line is unexpected: \(line)") }
        // Durations from wrk are microseconds.
        return Figures(
            requests: numbers[0], seconds: Double(numbers[1]) / 1e6, badStatus: numbers[2], socketErrors: numbers[3],
            p50Ms: Double(numbers[4]) / 1000, p99Ms: Double(numbers[5]) / 1000, maxMs: Double(numbers[6]) / 1000)
    }
}

/// heraldd, herald-gateway in front of it with a tenant API key, and wrk POSTing
/// bookings (each plans a confirmation and two reminders; no worker is connected)
/// over `connections` connections for `seconds`. Every booking is then counted
/// through the admin API: the answers must really have been successes.
func runGateway(environment: BenchEnvironment, context: ZMQContext, seconds: Int, connections: Int) async throws -> [EngineResult] {
    let name = "gateway POST bookings (\(connections) connections)"
    let target = ">= 4000 requests/s, no errors"
    guard Wrk.path != nil else {
        return [EngineResult(scenario: name, size: 0, result: "not run", target: target, met: nil, notes: ["herald-bench \(Wrk.missingMessage)"])]
    }
    let directory = try environment.scenarioDirectory("gateway")
    let core = try CoreProcess(
        curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: try environment.makeDatabase(in: directory),
        log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }
    try await caller.createTenant("gw")
    let key = try await caller.admin.createApiKey(Herald_V1_CreateApiKeyRequest.with { $0.tenantID = "gw"; $0.name = "herald-bench" }).key

    let gateway = try GatewayProcess(
        binary: environment.gateway, core: core.admin, curveArguments: environment.curve?.gatewayArguments ?? [],
        log: directory.appendingPathComponent("herald-gateway.log"))
    defer { gateway.stop() }

    // No "id" in the body: the core names each booking (bk_...), so one fixed body
    // makes a new booking per request, a month ahead.
    let startAt = timestamp(milliseconds: (nowMilliseconds() / 60_000 + 30 * 1440) * 60_000)
    let body = #"{"customer_name": "Grace Hopper", "customer_email": "grace@example.com", "customer_phone": "+4915112345678", "start_at": "\#(startAt)"}"#
    let script = directory.appendingPathComponent("post-booking.lua")
    try Data(Wrk.postScript(
        path: "/api/tenants/gw/bookings", headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: body
    ).utf8).write(to: script)

    // wrk gets one thread per core: it shares the machine with heraldd and the gateway.
    let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, connections))
    progress("gateway: warming up for 1 s, then \(connections) connections for \(seconds) s with wrk (\(threads) threads) at \(gateway.url)")
    let warmUp = try Wrk.run(url: gateway.url, script: script, seconds: 1, connections: connections, threads: threads)
    let coreCPUBefore = ProcStats.cpuSeconds(pid: core.pid) ?? 0
    let gatewayCPUBefore = ProcStats.cpuSeconds(pid: gateway.pid) ?? 0
    let run = try Wrk.run(url: gateway.url, script: script, seconds: seconds, connections: connections, threads: threads)
    let coreCPU = (ProcStats.cpuSeconds(pid: core.pid) ?? 0) - coreCPUBefore
    let gatewayCPU = (ProcStats.cpuSeconds(pid: gateway.pid) ?? 0) - gatewayCPUBefore

    // Count the bookings through the admin API. wrk counts the answers it read; a
    // request cut off when the time ran out may still have made its booking, so up
    // to one per connection per wrk run may be extra.
    var bookings = 0
    var pageToken = ""
    repeat {
        let page = try await caller.admin.listBookings(Herald_V1_ListBookingsRequest.with {
            $0.tenantID = "gw"
            $0.includeAll = true
            $0.limit = 1000
            $0.pageToken = pageToken
        })
        bookings += page.bookings.count
        pageToken = page.nextPageToken
    } while !pageToken.isEmpty
    let answered = warmUp.requests + run.requests
    let errors = warmUp.badStatus + warmUp.socketErrors + run.badStatus + run.socketErrors
    let counted = bookings >= answered && bookings <= answered + 2 * connections

    var notes = [
        "wrk \(threads) threads on the same machine; each booking plans 3 jobs, no worker connected; every request authenticates its API key with the core (AuthenticateApiKey) before CreateBooking",
        "\(bookings) bookings counted through ListBookings for \(answered) answers (warm-up included)",
    ]
    if !counted { notes.append("the booking count does not match the answers: some answers were not successes") }
    if errors > 0 {
        notes.append("\(run.badStatus + warmUp.badStatus) answers with status >= 400, \(run.socketErrors + warmUp.socketErrors) socket errors; see \(directory.path)")
    }
    let coreUs = coreCPU / Double(max(run.requests, 1)) * 1e6
    let gatewayUs = gatewayCPU / Double(max(run.requests, 1)) * 1e6
    return [EngineResult(
        scenario: name, size: run.requests,
        result: "\(fixed(run.rate, 0)) requests/s, p50 \(fixed(run.p50Ms, 1)) / p99 \(fixed(run.p99Ms, 1)) ms, \(errors) errors, "
            + "\(fixed(coreUs, 0)) µs heraldd + \(fixed(gatewayUs, 0)) µs gateway CPU each",
        target: target, met: run.rate >= 4000 && errors == 0 && counted,
        metrics: [
            "requests_per_second": run.rate, "requests": Double(run.requests), "seconds": run.seconds,
            "p50_ms": run.p50Ms, "p99_ms": run.p99Ms, "max_ms": run.maxMs,
            "non_2xx": Double(run.badStatus + warmUp.badStatus), "socket_errors": Double(run.socketErrors + warmUp.socketErrors),
            "bookings_counted": Double(bookings), "answers_including_warm_up": Double(answered),
            "heraldd_cpu_us_per_request": coreUs, "gateway_cpu_us_per_request": gatewayUs,
            "heraldd_cpu_share_of_one_core": coreCPU / run.seconds, "gateway_cpu_share_of_one_core": gatewayCPU / run.seconds,
        ],
        notes: notes)]
}
