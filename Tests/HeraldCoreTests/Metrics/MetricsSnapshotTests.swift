import Foundation
import Testing

@testable import HeraldCore

/// `GetStats` reads the registry back from its Prometheus text: what goes in
/// through the handles must come out the same.
@Suite("metrics snapshot")
struct MetricsSnapshotTests {
    @Test func labelValuesSurviveEscaping() {
        let metrics = HeraldMetrics()
        let awkward = #"a "quoted" \ back\slash"# + "\nnew line, {braces}=1"
        metrics.recordLease(channel: awkward, provider: "p", leased: 3, missed: 0)
        let snapshot = metrics.snapshot()
        #expect(snapshot.counter("herald_jobs_dispatched_total", ["channel": awkward, "provider": "p"]) == 3)
        #expect(snapshot.counters.first { $0.name == "herald_jobs_dispatched_total" }?.labels.map(\.name) == ["channel", "provider"])
    }

    @Test func histogramsComeBackWithCumulativeBucketsCountAndSum() throws {
        let metrics = HeraldMetrics()
        metrics.recordOutcomes([
            DeliveryOutcome(resolution: .sent, channel: "sms", provider: "twilio", lateness: 0.003),
            DeliveryOutcome(resolution: .sent, channel: "sms", provider: "twilio", lateness: 2),
            DeliveryOutcome(resolution: .sent, channel: "sms", provider: "vonage", lateness: nil),
            DeliveryOutcome(resolution: .retried, channel: "sms", provider: "twilio", lateness: 7),
        ])
        let snapshot = metrics.snapshot()
        #expect(snapshot.counter("herald_jobs_sent_total", ["channel": "sms", "provider": "twilio"]) == 2)
        #expect(snapshot.counter("herald_jobs_sent_total", ["channel": "sms", "provider": "vonage"]) == 1)
        #expect(snapshot.counter("herald_jobs_retried_total", ["channel": "sms", "provider": "twilio"]) == 1)
        let lateness = try #require(snapshot.histogram("herald_delivery_lateness_seconds", ["channel": "sms"]))
        #expect(lateness.count == 2)
        #expect(abs(lateness.sum - 2.003) < 1e-9)
        #expect(lateness.buckets.map(\.upperBound) == HeraldMetrics.latenessBuckets)
        #expect(lateness.buckets.first?.count == 1)
        #expect(lateness.buckets.first { $0.upperBound == 2.5 }?.count == 2)
        #expect(lateness.buckets.last?.count == 2)
    }

    @Test func theRegistrysTextIsWhatTheSnapshotReads() {
        let metrics = HeraldMetrics()
        metrics.recordLease(channel: "email", provider: "smtp", leased: 1, missed: 2)
        let text = metrics.exposition()
        #expect(text.contains("# TYPE herald_jobs_missed_total counter"))
        #expect(text.contains(#"herald_jobs_missed_total{channel="email"} 2"#))
        #expect(MetricsSnapshot(parsing: text) == metrics.snapshot())
        #expect(MetricsSnapshot(parsing: "garbage\n{}\nname{unclosed=\"x 1\n").counters.isEmpty)
    }

    @Test func aMetricKeepsABoundedNumberOfLabelSets() {
        let metrics = HeraldMetrics()
        let limit = HeraldMetrics.maxSeriesPerMetric
        for index in 0..<(limit + 10) {
            metrics.recordLease(channel: "channel-\(index)", provider: "p", leased: 1, missed: 0)
        }
        let dispatched = metrics.snapshot().counters.filter { $0.name == "herald_jobs_dispatched_total" }
        #expect(dispatched.count == limit + 1)
        #expect(metrics.snapshot().counter("herald_jobs_dispatched_total", ["channel": "other", "provider": "other"]) == 10)
        #expect(dispatched.reduce(0) { $0 + $1.value } == Double(limit + 10))
    }
}
