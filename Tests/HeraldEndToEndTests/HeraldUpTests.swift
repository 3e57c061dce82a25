import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// `herald up` with the real heraldd and channel programs built next to it.
    @Suite("herald up runs the core and the channels", .timeLimit(.minutes(5)))
    struct HeraldUpTests {
        /// Every free port, so these tests never meet another core.
        static let freePorts = [
            "--admin-endpoint", "tcp://127.0.0.1:*", "--channel-endpoint", "tcp://127.0.0.1:*",
            "--events-endpoint", "tcp://127.0.0.1:*", "--gateway", "127.0.0.1:0",
        ]

        @Test func demoSendsAConfirmationAndAReminderToTheOutboxThenStopsCoreLast() async throws {
            let directory = try makeTemporaryDirectory()
            let state = directory.appendingPathComponent("state")
            // A lead of 65 s puts the one-minute reminder 5 s after the booking is made.
            let up = try RunningUp(
                ["--demo", "--demo-lead", "65", "--state-dir", state.path,
                 "--channels", "herald-email-smtp,herald-sms-twilio"])

            try await up.waitForLine("demo: done", timeout: .seconds(150))
            #expect(up.stdout.contains("herald-email-smtp has no credentials, so it sends NOTHING for real"))
            #expect(up.stdout.contains("herald-sms-twilio has no credentials, so it sends NOTHING for real"))
            // Printed as the core logged them: both kinds on both channels, through the outbox.
            for expected in ["sent confirmation by email", "sent reminder by email", "sent confirmation by sms", "sent reminder by sms"] {
                #expect(up.stdout.contains("demo: \(expected)"), "no '\(expected)' in:\n\(up.stdout)")
            }
            // The web console's address and a key of the demo tenant that signs in there.
            let hint = try #require(up.lines.first { $0.contains("demo: web console: open ") }, "\(up.stdout)")
            let key = try #require(hint.components(separatedBy: "sign in with the key ").last, "\(hint)")
            #expect(hint.contains("console") && key.hasPrefix("hk_"), "\(hint)")
            let ready = try #require(up.lines.first { $0.contains("herald-gateway ready listen=") })
            let console = String(try #require(ready.components(separatedBy: "console=").last).prefix { $0 != " " })
            let form = try await HTTPClient().send(HTTPRequest(method: "GET", url: console + "/sign-in", allowsProxy: false))
            let token = try #require(form.header("Set-Cookie")?.components(separatedBy: ";").first?.components(separatedBy: "=").last)
            let signIn = try await HTTPClient().send(HTTPRequest(
                method: "POST", url: console + "/sign-in",
                headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded"), HTTPHeader("Cookie", "herald_console_sign_in=\(token)")],
                body: Data("csrf=\(token)&api_key=\(key)".utf8), allowsProxy: false))
            #expect(signIn.status == 303 && signIn.header("Location") == "/console/bookings", "\(signIn.status)")
            let files = try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("outbox").path)
            #expect(files.filter { $0.hasSuffix(".json") }.count == 4, "\(files)")
            #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("herald.db").path))

            up.process.signal(SIGTERM)
            #expect(try await up.process.waitForExit(within: .seconds(90)) == 0, "\(up.stdout)")
            let lines = up.lines
            let coreStopped = try #require(lines.lastIndex { $0.hasSuffix("| heraldd stopped") }, "\(up.stdout)")
            for channel in ["herald-email-smtp", "herald-sms-twilio"] {
                let stopped = try #require(lines.lastIndex { $0.hasSuffix("| \(channel) stopped") }, "\(up.stdout)")
                #expect(stopped < coreStopped, "\(channel) stopped after the core:\n\(up.stdout)")
                // Each channel said goodbye on its own (graceful), not killed.
                #expect(lines.contains { $0.hasPrefix(channel) && $0.contains("shutting down") }, "\(up.stdout)")
            }
            #expect(!up.stdout.contains("killing"), "\(up.stdout)")
        }

        @Test func aCrashedChannelIsRestartedWithBackoff() async throws {
            let directory = try makeTemporaryDirectory()
            let up = try RunningUp(["--state-dir", directory.path, "--channels", "herald-webhook"])
            let admin = try await up.adminEndpoint()

            let first = try await waitForWorker(admin, channel: "webhook", other: nil)
            // The instance id ends with the worker's process id.
            let pid = try #require(Int32(first.split(separator: "-").last ?? ""), "instance \(first)")
            kill(pid, SIGKILL)
            try await up.waitForLine("herald-webhook was killed by signal 9; restarting in 1 s")
            let second = try await waitForWorker(admin, channel: "webhook", other: first)
            #expect(second != first)

            // The HTTP gateway runs too, on the core herald up started.
            try await up.waitForLine("herald-gateway ready listen=")
            let ready = try #require(up.lines.first { $0.contains("herald-gateway ready listen=") })
            let url = String(ready.components(separatedBy: "listen=")[1].prefix { $0 != " " })
            let health = try await HTTPClient().send(HTTPRequest(method: "GET", url: url + "/readyz", allowsProxy: false))
            #expect(health.status == 200, "\(health.bodySnippet())")

            up.process.signal(SIGINT)
            #expect(try await up.process.waitForExit(within: .seconds(90)) == 0, "\(up.stdout)")
            let lines = up.lines
            let gatewayStopped = try #require(lines.lastIndex { $0.hasSuffix("| herald-gateway stopped") }, "\(up.stdout)")
            let coreStopped = try #require(lines.lastIndex { $0.hasSuffix("| heraldd stopped") }, "\(up.stdout)")
            #expect(gatewayStopped < coreStopped)
        }

        @Test func curveMakesKeysOnceAndEveryProgramUsesItsOwn() async throws {
            let directory = try makeTemporaryDirectory()
            let up = try RunningUp(["--curve", "--state-dir", directory.path, "--channels", "herald-webhook"])
            try await up.waitForLine("CURVE on: made new keys in")
            let admin = try await up.adminEndpoint()
            let keys = directory.appendingPathComponent("keys")
            let secretMode = (try FileManager.default.attributesOfItem(atPath: keys.appendingPathComponent("channel/channel.key").path)[.posixPermissions] as? NSNumber)?.intValue
            #expect(secretMode == 0o600)
            #expect(!FileManager.default.fileExists(atPath: keys.appendingPathComponent("channel/admin.key").path))
            let hint = try #require(up.lines.first { $0.contains("export ") && $0.contains("HERALD_CURVE_SECRET_KEY=") }, "\(up.stdout)")
            #expect(hint.contains(keys.appendingPathComponent("admin/admin.key").path))

            let adminKeys = [
                "HERALD_CURVE_SECRET_KEY": keys.appendingPathComponent("admin/admin.key").path,
                "HERALD_CURVE_SERVER_KEY": keys.appendingPathComponent("admin/core.pub").path,
            ]
            // The channel registered with its key, the gateway reaches the core with the admin key.
            try await eventually("the webhook worker to register over CURVE") {
                let result = try await runHerald(["channels", "--json", "--core", admin], environment: adminKeys)
                let report = try? JSONDecoder().decode(ChannelsReport.self, from: Data(result.stdout.utf8))
                return report?.workers.contains { $0.channel == "webhook" } == true
            }
            try await up.waitForLine("herald-gateway ready listen=")
            let ready = try #require(up.lines.first { $0.contains("herald-gateway ready listen=") })
            let url = String(ready.components(separatedBy: "listen=")[1].prefix { $0 != " " })
            let health = try await HTTPClient().send(HTTPRequest(method: "GET", url: url + "/readyz", allowsProxy: false))
            #expect(health.status == 200, "\(health.bodySnippet())")
            let plain = try await runHerald(["ping", "--core", admin, "--timeout", "5"])
            #expect(plain.status == 69 && plain.stderr.contains("may require CURVE"), "\(plain)")

            up.process.signal(SIGTERM)
            #expect(try await up.process.waitForExit(within: .seconds(90)) == 0, "\(up.stdout)")
            let again = try RunningUp(["--curve", "--state-dir", directory.path, "--channels", "herald-webhook", "--no-gateway"])
            try await again.waitForLine("CURVE on: keys from")
            again.process.signal(SIGTERM)
            #expect(try await again.process.waitForExit(within: .seconds(90)) == 0, "\(again.stdout)")
        }

        @Test func aCoreThatCannotStartEndsHeraldUpWithItsReason() async throws {
            // Another core already holds the admin endpoint.
            let other = try await RunningCore.start()
            let directory = try makeTemporaryDirectory()
            let up = try RunningUp(
                ["--state-dir", directory.path, "--admin-endpoint", other.adminEndpoint,
                 "--channel-endpoint", "tcp://127.0.0.1:*", "--events-endpoint", "tcp://127.0.0.1:*"],
                freePorts: false)
            #expect(try await up.process.waitForExit(within: .seconds(60)) == 1, "\(up.stdout)")
            #expect(up.stdout.contains("before it was ready"), "\(up.stdout)")
            #expect(up.stdout.contains(other.adminEndpoint.replacingOccurrences(of: "tcp://", with: "")) || up.stdout.contains("in use"),
                    "the core's own reason is not shown:\n\(up.stdout)")
            #expect(try await other.stop() == 0)
        }

        @Test func refusesToStartWithoutHeralddNextToIt() async throws {
            let empty = try makeTemporaryDirectory()
            let result = try await runHerald(["up", "--bin-dir", empty.path, "--state-dir", empty.appendingPathComponent("s").path])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("heraldd is not in \(empty.path)"), "\(result)")

            let unknown = try await runHerald(["up", "--channels", "herald-pigeon", "--state-dir", empty.appendingPathComponent("s").path])
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stderr.contains("no channel program named herald-pigeon"), "\(unknown)")
            #expect(unknown.stderr.contains("herald-email-smtp"), "the programs found are not listed: \(unknown)")
        }

        /// Waits until a worker on `channel` other than `other` is connected; returns its instance id.
        private func waitForWorker(_ admin: String, channel: String, other: String?) async throws -> String {
            try await waitFor("a \(channel) worker", within: .seconds(60)) {
                let result = try await runHerald(["channels", "--json", "--core", admin])
                guard result.status == 0,
                    let report = try? JSONDecoder().decode(ChannelsReport.self, from: Data(result.stdout.utf8))
                else { return nil }
                return report.workers.first { $0.channel == channel && $0.instance_id != other }?.instance_id
            }
        }
    }
}

/// A running `herald up`, its output collected without colour.
struct RunningUp {
    let process: ChildProcess

    /// - Parameter freePorts: add `*` ports for every endpoint (the default).
    init(_ arguments: [String], freePorts: Bool = true) throws {
        let blank = ChannelEndToEnd.ChannelStartupTests.blank.merging([
            "SMTP_URL": "", "SMTP_FROM": "", "HERALD_CORE": "", "NO_COLOR": "1",
        ]) { $1 }
        process = try ChildProcess(
            Binaries.herald,
            ["up", "--no-color"] + (freePorts ? ChannelEndToEnd.HeraldUpTests.freePorts : []) + arguments,
            environment: blank)
    }

    var stdout: String { process.stdout }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    @discardableResult
    func waitForLine(_ text: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await process.waitForLine(containing: text, within: timeout)
    }

    /// The admin endpoint from the "Herald is up" line.
    func adminEndpoint() async throws -> String {
        let line = try await waitForLine("Herald is up: admin ")
        let tail = line.components(separatedBy: "Herald is up: admin ")[1]
        return String(tail.prefix { $0 != "," })
    }
}
