// A channel's callback listener under a provider's receipts: herald-sms-twilio
// taking signed status callbacks from wrk, forwarding each to a heraldd as a
// Report and answering 200 once the core has stored it.
import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldChannelKit
import HeraldProto
import Logging

/// heraldd; `messages` SMS confirmations sent through Twilio by an in-bench worker
/// (message ids it chose); then herald-sms-twilio taking Twilio status callbacks
/// for them, each signed with X-Twilio-Signature as Twilio signs it, from wrk over
/// `connections` connections for `seconds`. Every answer is a stored receipt (the
/// channel answers 200 only after the core's acknowledgement), so wrk's latency is
/// the time from the callback to its receipt in the ReminderLog.
func runCallbacks(
    environment: BenchEnvironment, context: ZMQContext, messages: Int, seconds: Int, connections: Int
) async throws -> [EngineResult] {
    let name = "callbacks: Twilio status callbacks into herald-sms-twilio (\(connections) connections)"
    let target = ">= 2000 callbacks/s, no errors, p99 <= 1000 ms to the ReminderLog"
    let channelBinary = URL(fileURLWithPath: environment.heraldd).deletingLastPathComponent()
        .appendingPathComponent("herald-sms-twilio").path
    guard Wrk.path != nil else {
        return [EngineResult(scenario: name, size: 0, result: "not run", target: target, met: nil, notes: ["herald-bench \(Wrk.missingMessage)"])]
    }
    guard FileManager.default.isExecutableFile(atPath: channelBinary) else {
        throw BenchError("no herald-sms-twilio next to me at \(channelBinary); run `swift build -c release` first")
    }
    let directory = try environment.scenarioDirectory("callbacks")
    let database = try environment.makeDatabase(in: directory)
    let core = try CoreProcess(
        curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database,
        log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }
    try await caller.createTenant("cb")
    _ = try await caller.admin.updateSettings(.with {
        $0.tenantID = "cb"
        $0.emailEnabled = false
        $0.smsEnabled = true
        $0.smsProvider = .twilio
    })

    // The messages: one SMS confirmation per booking, "sent" by an in-bench Twilio worker.
    progress("callbacks: creating \(messages) bookings and sending their SMS through an in-bench worker")
    let startMs = nowMilliseconds() + 30 * 86_400_000
    _ = try await measure(Herald_V1_Admin.Method.createBooking.name, total: messages, concurrency: 32) { index in
        var request = bookingRequest(tenant: "cb", id: "cb-\(index)", startMs: startMs + Int64(index) * 60_000)
        request.customerPhone = "+4915112\(String(format: "%06d", index))"
        _ = try await caller.admin.createBooking(request)
    }
    var logger = Logger(label: "herald-bench")
    logger.logLevel = .error
    let worker = try BenchWorker(
        context: context, endpoint: core.channel, channel: "sms", instanceID: "bench-twilio", maxInFlight: 512,
        provider: "twilio", curve: environment.curve?.channel, logger: logger)
    try await worker.waitForWelcome()
    let deadline = ContinuousClock.now + .seconds(max(60, messages / 200))
    while true {
        let queue = try await caller.queue("sms")
        if worker.receivedCount >= messages && queue.dueNow == 0 && queue.leased == 0 { break }
        guard ContinuousClock.now < deadline else {
            throw BenchError("only \(worker.receivedCount) of \(messages) SMS were sent in time; see \(core.log.path)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let sent = worker.received
    worker.stop()

    // herald-sms-twilio taking callbacks (its sends would go nowhere: none is due).
    let port = try freeLoopbackPort()
    let callbackURL = "http://127.0.0.1:\(port)"
    let authToken = "bench-auth-token"
    let accountSID = "AC" + String(repeating: "0", count: 32)
    let channelLog = directory.appendingPathComponent("herald-sms-twilio.log")
    let channel = try ChannelProcess(
        binary: channelBinary,
        arguments: [
            "--core", core.channel, "--instance", "bench-callbacks", "--log-level", "notice",
            "--callback-listen", "127.0.0.1:\(port)", "--callback-url", callbackURL,
        ] + (environment.curve?.channelArguments ?? []),
        environment: [
            "TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken, "TWILIO_PHONE_NUMBER": "+15005550006",
            "TWILIO_API_BASE": "http://127.0.0.1:9",
        ],
        log: channelLog, readyText: "taking provider callbacks")
    defer { channel.stop() }
    let registered = ContinuousClock.now + .seconds(30)
    while try await caller.workerCount() < 1 {
        guard ContinuousClock.now < registered else { throw BenchError("herald-sms-twilio did not register; see \(channelLog.path)") }
        try await Task.sleep(for: .milliseconds(20))
    }

    // One signed callback per message ("delivered"), as Twilio sends it.
    let requests = directory.appendingPathComponent("callbacks.tsv")
    var lines = ""
    for delivery in sent {
        let sid = BenchWorker.messageID(delivery.deliveryID, attempt: delivery.attempt)
        let fields: [(name: String, value: String)] = [
            ("AccountSid", accountSID), ("ApiVersion", "2010-04-01"), ("From", "+15005550006"), ("MessageSid", sid),
            ("MessageStatus", "delivered"), ("SmsSid", sid), ("SmsStatus", "delivered"), ("To", "+4915112000000"),
        ]
        let signature = TwilioSignature.expected(authToken: authToken, url: callbackURL + "/status", parameters: fields)
        lines += signature + "\t" + FormEncoding.encode(fields) + "\n"
    }
    try Data(lines.utf8).write(to: requests)
    let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, connections))
    let script = directory.appendingPathComponent("callbacks.lua")
    try Data(Wrk.callbackScript(requests: requests.path, threads: threads).utf8).write(to: script)

    progress("callbacks: \(connections) connections for \(seconds) s with wrk (\(threads) threads) at \(callbackURL)/status")
    let coreCPUBefore = ProcStats.cpuSeconds(pid: core.pid) ?? 0
    let channelCPUBefore = ProcStats.cpuSeconds(pid: channel.pid) ?? 0
    let run = try Wrk.run(url: callbackURL, script: script, seconds: seconds, connections: connections, threads: threads)
    let coreCPU = (ProcStats.cpuSeconds(pid: core.pid) ?? 0) - coreCPUBefore
    let channelCPU = (ProcStats.cpuSeconds(pid: channel.pid) ?? 0) - channelCPUBefore

    let errors = run.badStatus + run.socketErrors
    var notes = [
        "wrk \(threads) threads on the same machine; each callback is a distinct message's \"delivered\" until the \(messages) messages run out, then they repeat (stored as unchanged)",
        "every 200 is a receipt the core stored: the listener answers once the core acknowledged the Report",
    ]
    var metrics: [String: Double] = [
        "callbacks_per_second": run.rate, "callbacks": Double(run.requests), "seconds": run.seconds,
        "p50_ms": run.p50Ms, "p99_ms": run.p99Ms, "max_ms": run.maxMs,
        "non_2xx": Double(run.badStatus), "socket_errors": Double(run.socketErrors),
        "channel_cpu_us_per_callback": channelCPU / Double(max(run.requests, 1)) * 1e6,
        "heraldd_cpu_us_per_callback": coreCPU / Double(max(run.requests, 1)) * 1e6,
        "channel_cpu_share_of_one_core": channelCPU / run.seconds, "heraldd_cpu_share_of_one_core": coreCPU / run.seconds,
    ]
    var verified = true
    if database.canQuery {
        let count = "SELECT count(*) FROM delivery_states WHERE status = 'delivered';"
        let delivered = Int(try database.query(sqlite: count, postgres: count)) ?? -1
        metrics["delivered_rows"] = Double(delivered)
        let expected = min(run.requests, messages)
        // A request cut off when the time ran out may still have been stored.
        verified = delivered >= expected && delivered <= min(messages, expected + connections)
        notes.append("\(delivered) sent rows delivered in the store for \(run.requests) answers")
    }
    if errors > 0 { notes.append("\(run.badStatus) answers with status >= 400, \(run.socketErrors) socket errors; see \(directory.path)") }
    return [EngineResult(
        scenario: name, size: run.requests,
        result: "\(fixed(run.rate, 0)) callbacks/s, p50 \(fixed(run.p50Ms, 1)) / p99 \(fixed(run.p99Ms, 1)) ms to the log, \(errors) errors, "
            + "\(fixed(metrics["channel_cpu_us_per_callback"] ?? 0, 0)) µs channel + \(fixed(metrics["heraldd_cpu_us_per_callback"] ?? 0, 0)) µs heraldd CPU each",
        target: target, met: run.rate >= 2000 && errors == 0 && run.p99Ms <= 1000 && verified,
        metrics: metrics, notes: notes)]
}

extension Wrk {
    /// A script that POSTs the requests of a file (one per line: the X-Twilio-Signature,
    /// a tab, the form body) to /status, each thread taking every `threads`-th line from
    /// its own start, and reports through `done` as ``postScript(path:headers:body:)``.
    static func callbackScript(requests: String, threads: Int) -> String {
        """
        -- Written by herald-bench's callbacks scenario.
        local next_id = 0
        setup = function(thread)
          thread:set("id", next_id)
          next_id = next_id + 1
        end

        local signatures, bodies = {}, {}
        local index, step = 0, \(threads)
        init = function(args)
          for line in io.lines("\(requests)") do
            local tab = line:find("\\t", 1, true)
            signatures[#signatures + 1] = line:sub(1, tab - 1)
            bodies[#bodies + 1] = line:sub(tab + 1)
          end
          index = id or 0
        end

        request = function()
          local i = (index % #bodies) + 1
          index = index + step
          return wrk.format("POST", "/status", {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Twilio-Signature"] = signatures[i],
          }, bodies[i])
        end

        \(doneFunction)
        """
    }
}

/// A channel program run by the bench, its stderr in a log file, ready once the
/// log shows `readyText`.
final class ChannelProcess {
    let process: Process

    var pid: Int32 { process.processIdentifier }

    init(binary: String, arguments: [String], environment: [String: String], log: URL, readyText: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !((try? String(contentsOf: log, encoding: .utf8))?.contains(readyText) ?? false) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw BenchError("\(URL(fileURLWithPath: binary).lastPathComponent) did not get ready: \(CoreProcess.tail(of: log))")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A loopback TCP port free right now (bound, read and closed).
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw BenchError("cannot open a socket") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw BenchError("cannot bind a loopback port") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw BenchError("cannot read the port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
