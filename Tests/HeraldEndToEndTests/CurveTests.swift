import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// Key pairs made by the real `herald keys generate`, and the core's authorized keys.
struct CurveKeySet {
    let directory: URL
    var authorizedKeys: URL { directory.appendingPathComponent("authorized_keys") }

    func secretKey(_ name: String) -> String { directory.appendingPathComponent("\(name).key").path }
    func publicKeyFile(_ name: String) -> String { directory.appendingPathComponent("\(name).pub").path }

    /// The environment that makes `herald`, a channel or the gateway use `name`'s key pair.
    func client(_ name: String) -> [String: String] {
        ["HERALD_CURVE_SECRET_KEY": secretKey(name), "HERALD_CURVE_SERVER_KEY": publicKeyFile("core")]
    }

    /// The `heraldd` options that turn CURVE on.
    var coreArguments: [String] { ["--curve-secret-key", secretKey("core"), "--authorized-keys", authorizedKeys.path] }

    func publicKey(_ name: String) async throws -> String {
        let result = try await runHerald(["keys", "public", publicKeyFile(name)])
        guard result.status == 0 else { throw CommandFailed(command: "keys public", result: result) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Makes core, admin, email (channel), watcher (observer) and stranger (unlisted) keys.
    static func make(in directory: URL) async throws -> CurveKeySet {
        let keys = CurveKeySet(directory: directory.appendingPathComponent("keys"))
        let made = try await runHerald(["keys", "generate", "core", "admin", "email", "watcher", "stranger", "--out", keys.directory.path])
        guard made.status == 0 else { throw CommandFailed(command: "keys generate", result: made) }
        let lines = [
            "# who may talk to this core",
            "admin \(try await keys.publicKey("admin")) ops",
            "channel \(try await keys.publicKey("email")) email-1",
            "observer \(try await keys.publicKey("watcher")) dashboard",
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: keys.authorizedKeys)
        return keys
    }

    func append(_ line: String) throws {
        let handle = try FileHandle(forWritingTo: authorizedKeys)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
    }
}

@Suite("CURVE on the bus: keys, roles, reloads", .timeLimit(.minutes(3)))
struct CurveBusTests {
    static func startCore(_ directory: URL) async throws -> (RunningCore, CurveKeySet) {
        let keys = try await CurveKeySet.make(in: directory)
        let core = try await RunningCore.start(
            arguments: keys.coreArguments + ["--metrics-endpoint", "127.0.0.1:0"], clientEnvironment: keys.client("admin"))
        return (core, keys)
    }

    @Test func keysGenerateWritesAPrivateSecretFileAndNeverOverwritesOne() async throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("keys").path
        let first = try await runHerald(["keys", "generate", "core", "--out", out, "--role", "admin"])
        #expect(first.status == 0, "\(first)")
        let mode = { (path: String) in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
        }
        #expect(mode(out) == 0o700)
        #expect(mode(out + "/core.key") == 0o600)
        #expect(mode(out + "/core.pub") == 0o644)
        let secretText = try String(contentsOfFile: out + "/core.key", encoding: .utf8)
        let publicKey = try #require(secretText.split(separator: "\"").dropFirst().first.map(String.init))
        #expect(first.stdout.contains("admin \(publicKey) core"), "\(first)")
        #expect(!first.stdout.contains("secret-key"), "generate printed a secret with --out")

        let again = try await runHerald(["keys", "generate", "core", "--out", out])
        #expect(again.status == 64, "\(again)")
        #expect(again.stderr.contains("exists (use --force to replace it)"), "\(again)")
        #expect(try String(contentsOfFile: out + "/core.key", encoding: .utf8) == secretText)

        let forced = try await runHerald(["keys", "generate", "core", "--out", out, "--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try String(contentsOfFile: out + "/core.key", encoding: .utf8) != secretText)

        let badName = try await runHerald(["keys", "generate", "../escape", "--out", out])
        #expect(badName.status == 64 && badName.stderr.contains("not a usable key name"), "\(badName)")
    }

    @Test func eachRoleReachesWhatItMayAndNoMore() async throws {
        let directory = try TemporaryDirectory()
        let (core, keys) = try await Self.startCore(directory.url)
        let ping = { (client: [String: String]) in
            try await runHerald(["ping", "--timeout", "5"], environment: client.merging(["HERALD_CORE": core.adminEndpoint]) { $1 })
        }
        #expect(try await ping(keys.client("admin")).status == 0)

        let channel = try await ping(keys.client("email"))
        #expect(channel.status == 1, "\(channel)")
        #expect(channel.stderr.contains("the key \"email-1\" has the channel role; herald.v1.Admin/Ping needs an admin key"), "\(channel)")
        let observer = try await ping(keys.client("watcher"))
        #expect(observer.status == 1 && observer.stderr.contains("has the observer role"), "\(observer)")

        let stranger = try await ping(keys.client("stranger"))
        #expect(stranger.status == 69, "\(stranger)")
        #expect(stranger.stderr.contains("refused this program's CURVE key"), "\(stranger)")
        let plain = try await ping(["HERALD_CURVE_SECRET_KEY": "", "HERALD_CURVE_SERVER_KEY": ""])
        #expect(plain.status == 69 && plain.stderr.contains("the core may require CURVE"), "\(plain)")
        #expect(core.process.stderr.contains("handshake refused"))
        let metrics = try await HTTPClient().send(HTTPRequest(
            method: "GET", url: try #require(core.metricsURL), timeout: .seconds(10), allowsProxy: false))
        let refused = String(decoding: metrics.body, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("herald_handshakes_refused_total{endpoint=\"admin\"}") }
        #expect(refused.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true, "\(String(describing: refused))")
        #expect(core.process.stderr.contains(try await keys.publicKey("stranger")), "the refusal does not name the key")

        // The events endpoint: an observer follows, a channel key is refused and told so.
        let refusedTail = try await runHerald(
            ["tail", "--count", "1"], environment: keys.client("email").merging(["HERALD_EVENTS": core.eventsEndpoint]) { $1 })
        #expect(refusedTail.status == 69 && refusedTail.stderr.contains("refused this program's CURVE key"), "\(refusedTail)")
        let tail = try ChildProcess(
            Binaries.herald, ["tail", "--count", "1", "--type", "booking.created"],
            environment: keys.client("watcher").merging(["HERALD_EVENTS": core.eventsEndpoint]) { $1 })
        try await core.createTenant("salon")
        var booking = 0
        // Events published before the subscription is in place are not seen, so book until one is.
        try await eventually("the observer's tail to print an event", within: .seconds(60), every: .milliseconds(300)) {
            if !tail.isRunning { return true }
            booking += 1
            try await core.createBooking("salon", id: "b\(booking)")
            return false
        }
        #expect(try await tail.waitForExit() == 0, "\(tail.stderr)")
        #expect(tail.stdout.contains("booking.created"), "\(tail.stdout)")
    }

    @Test func aChannelKeyDeliversAndAReloadAdmitsANewKeyWhileABadFileChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        let (core, keys) = try await Self.startCore(directory.url)
        let worker = try await RunningChannel.start(
            "email-1", core: core, directory: directory.url,
            arguments: ["--curve-secret-key", keys.secretKey("email"), "--curve-server-key", keys.publicKeyFile("core")])
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b1")
        try await eventually("the confirmation to be sent through the CURVE channel") {
            try await core.log(tenant: "salon").contains { $0.outcome == "sent" && $0.kind == "confirmation" }
        }

        let newcomer = try await RunningChannel.start(
            "newcomer", core: core, directory: directory.url,
            arguments: ["--curve-secret-key", keys.secretKey("stranger"), "--curve-server-key", keys.publicKeyFile("core")],
            waitForRegistration: false)
        try await eventually("the unlisted channel to be told it was refused") {
            newcomer.process.stderr.contains("refused this program's CURVE key")
        }
        #expect(try await !core.channels().workers.contains { $0.instance_id == "newcomer" })

        try keys.append("channel \(try await keys.publicKey("stranger")) newcomer")
        core.process.signal(SIGHUP)
        try await eventually("the newcomer to register after the reload", within: .seconds(60)) {
            try await core.channels().workers.contains { $0.instance_id == "newcomer" }
        }
        #expect(core.process.stderr.contains("authorized keys reloaded"))

        try keys.append("superuser \(try await keys.publicKey("stranger")) oops")
        core.process.signal(SIGHUP)
        try await eventually("the core to report the bad file") { core.process.stderr.contains("NOT reloaded") }
        #expect(core.process.stderr.contains("unknown role \"superuser\""))
        _ = try await core.heraldOK("ping")
        #expect(worker.isRunning)
    }

    @Test func theGatewayReachesACurveCoreWithAnAdminKey() async throws {
        let directory = try TemporaryDirectory()
        let (core, _) = try await Self.startCore(directory.url)
        let created = try await core.heraldOrThrow(["apikey", "create", "--role", "admin", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        let apiKey = try #require(json?["key"] as? String)
        let gateway = try await RunningGateway.start(core: core)
        #expect(try await gateway.request("GET", "/readyz").status == 200)
        try await core.createTenant("salon")
        let answer = try await gateway.request("GET", "/api/tenants/salon/bookings?limit=10", key: apiKey)
        #expect(answer.status == 200, "\(answer)")
        _ = try await gateway.stop()
    }

    @Test func withCurveTheBusMayFaceTheNetworkButPlainMetricsMayNot() async throws {
        let directory = try TemporaryDirectory()
        let keys = try await CurveKeySet.make(in: directory.url)
        let open = try await RunningCore.start(
            arguments: keys.coreArguments + ["--channel-endpoint", "tcp://0.0.0.0:*"], clientEnvironment: keys.client("admin"))
        #expect(open.channelEndpoint.hasPrefix("tcp://0.0.0.0:"))
        #expect(try await open.stop() == 0)

        let metrics = try ChildProcess(
            Binaries.heraldd,
            ["--db", directory.url.appendingPathComponent("m.db").path, "--metrics-endpoint", "0.0.0.0:0"]
                + SafeBindTests.endpoints(with: []) + keys.coreArguments,
            environment: ["HERALD_INSECURE_BIND": ""])
        #expect(try await metrics.waitForExit() == 64)
        #expect(metrics.stderr.contains("the metrics endpoint is plain HTTP"), "\(metrics.stderr)")
    }

    @Test func halfACurveConfigurationOrABadKeyFileStopsTheStart() async throws {
        let directory = try TemporaryDirectory()
        let keys = try await CurveKeySet.make(in: directory.url)
        let badKeys = directory.url.appendingPathComponent("bad_keys")
        try Data("admin not-a-key ops\n".utf8).write(to: badKeys)
        let cases: [([String], String)] = [
            (["--curve-secret-key", keys.secretKey("core")], "--curve-secret-key needs --authorized-keys"),
            (["--authorized-keys", keys.authorizedKeys.path], "--authorized-keys needs --curve-secret-key"),
            (["--curve-secret-key", keys.publicKeyFile("core"), "--authorized-keys", keys.authorizedKeys.path], "has no secret-key"),
            (["--curve-secret-key", keys.secretKey("core"), "--authorized-keys", badKeys.path],
             "\(badKeys.path):1: \"not-a-key\" is not a 40-character Z85 public key"),
        ]
        let secret = try String(contentsOfFile: keys.secretKey("core"), encoding: .utf8)
        for (arguments, message) in cases {
            let child = try ChildProcess(
                Binaries.heraldd,
                ["--db", directory.url.appendingPathComponent("h.db").path] + SafeBindTests.endpoints(with: []) + arguments)
            #expect(try await child.waitForExit() == 64, "\(arguments): \(child.stderr)")
            #expect(child.stderr.contains(message), "\(arguments): \(child.stderr)")
            for line in secret.split(separator: "\n") where line.contains("secret-key") {
                #expect(!child.stderr.contains(line.split(separator: "\"")[1]), "the error quoted the secret key")
            }
        }
    }
}
