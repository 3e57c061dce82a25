import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// heraldd's metrics endpoint over real HTTP, and `herald stats` over the bus:
/// the same figures from the same registry.
@Suite("Metrics endpoint and herald stats", .timeLimit(.minutes(3)))
struct MetricsEndpointTests {
    static let sentSeries = #"herald_jobs_sent_total{channel="email",provider="test"}"#

    @Test func theEndpointAndHeraldStatsAgreeOnWhatWasSent() async throws {
        let core = try await RunningCore.start(arguments: ["--metrics-endpoint", "127.0.0.1:0"])
        let url = try #require(core.metricsURL, "ready line: \(core.process.stdout)")
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/metrics") && !url.contains(":0/"), "\(url)")
        let worker = try await RunningChannel.start("email-1", core: core, directory: core.directory)
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")
        _ = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }

        var scrape = HTTPResponse(status: 0)
        try await eventually("the endpoint to count the sent confirmation") {
            scrape = try await Self.get(url)
            return Self.value(Self.sentSeries, in: scrape) == 1
        }
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true, "\(scrape.headers)")
        let text = String(decoding: scrape.body, as: UTF8.self)
        #expect(text.contains("# TYPE herald_jobs_sent_total counter"), "\(text)")
        #expect(Self.value(#"herald_jobs_planned_total{channel="email",kind="reminder"}"#, in: scrape) == 2, "\(text)")
        #expect(Self.value(#"herald_jobs_dispatched_total{channel="email",provider="test"}"#, in: scrape) == 1, "\(text)")
        #expect(Self.value(#"herald_queue_depth{channel="email",state="scheduled"}"#, in: scrape) == 2, "\(text)")
        #expect(Self.value(#"herald_workers_connected{channel="email"}"#, in: scrape) == 1, "\(text)")
        #expect(Self.value(#"herald_delivery_lateness_seconds_count{channel="email"}"#, in: scrape) == 1, "\(text)")
        #expect(Self.value(#"herald_frames_undecodable_total{endpoint="admin"}"#, in: scrape) == 0, "\(text)")

        let stats = try await core.decoded(StatsReport.self, ["stats", "--json"])
        #expect(stats.counter("herald_jobs_sent_total", ["channel": "email", "provider": "test"]) == 1)
        #expect(stats.counter("herald_jobs_planned_total", ["channel": "email", "kind": "reminder"]) == 2)
        #expect(stats.gauges.contains { $0.name == "herald_workers_connected" && $0.labels == ["channel": "email"] && $0.value == 1 })
        #expect(stats.histograms.first { $0.name == "herald_delivery_lateness_seconds" }?.count == 1)
        let table = try await core.heraldOrThrow(["stats"])
        #expect(table.contains("herald_jobs_sent_total") && table.contains("channel=email provider=test"), "\(table)")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0, "\(core.process.stderr.suffix(2000))")
    }

    @Test func thereIsNoEndpointUnlessAskedFor() async throws {
        let core = try await RunningCore.start()
        #expect(core.metricsURL == nil)
        #expect(!core.process.stdout.contains("metrics="), "\(core.process.stdout)")
        // The figures are still there over the bus.
        let stats = try await core.decoded(StatsReport.self, ["stats", "--json"])
        #expect(stats.counter("herald_frames_undecodable_total", ["endpoint": "channel"]) == 0)
        #expect(try await core.stop() == 0)
    }

    @Test func aMalformedMetricsEndpointIsRefusedAtStart() async throws {
        let directory = try TemporaryDirectory()
        let child = try ChildProcess(
            Binaries.heraldd,
            ["--db", directory.url.appendingPathComponent("herald.db").path, "--metrics-endpoint", "9464"])
        let status = try await child.waitForExit()
        #expect(status == 64, "\(child.stderr)")
        #expect(child.stderr.contains("--metrics-endpoint must be HOST:PORT"), "\(child.stderr)")
        #expect(!child.stdout.contains("heraldd ready"))
    }

    static func get(_ url: String) async throws -> HTTPResponse {
        try await HTTPClient().send(HTTPRequest(method: "GET", url: url, timeout: .seconds(10), allowsProxy: false))
    }

    /// The value of the sample written exactly as `series` (name and labels), if present.
    static func value(_ series: String, in response: HTTPResponse) -> Double? {
        String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.dropFirst(series.count + 1)) }
    }
}

/// What `herald stats --json` prints.
struct StatsReport: Decodable, Sendable {
    struct Sample: Decodable, Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Histogram: Decodable, Sendable {
        var name: String
        var labels: [String: String]
        var count: Int
        var sum: Double
    }

    var now: String
    var counters: [Sample]
    var gauges: [Sample]
    var histograms: [Histogram]

    func counter(_ name: String, _ labels: [String: String]) -> Double? {
        counters.first { $0.name == name && $0.labels == labels }?.value
    }
}
