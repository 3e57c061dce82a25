import ArgumentParser
import Foundation
import HeraldProto

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the core's counters, queue depths, workers and delivery lateness.",
        discussion: """
            The same figures heraldd serves on its metrics endpoint (--metrics-endpoint), \
            read over the bus. Counters count since the core started; queue depth and \
            workers are counted when asked.
            """)

    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await CoreConnection.with(core) {
            try await $0.admin.getStats()
        }
        if output.json {
            try printJSON(StatsView(answer))
            return
        }
        var values = Table("metric", "labels", "value")
        for sample in answer.counters + answer.gauges {
            values.append([sample.name, Self.text(sample.labels), Self.number(sample.value)])
        }
        print(values.render())
        guard !answer.histograms.isEmpty else { return }
        print("")
        var histograms = Table("histogram", "labels", "count", "sum", "mean")
        for histogram in answer.histograms {
            let mean = histogram.count == 0 ? "-" : String(format: "%.3f", histogram.sum / Double(histogram.count))
            histograms.append([
                histogram.name, Self.text(histogram.labels), "\(histogram.count)", String(format: "%.3f", histogram.sum), mean,
            ])
        }
        print(histograms.render())
    }

    static func text(_ labels: [Herald_V1_MetricLabel]) -> String {
        labels.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }

    /// Whole numbers without a fraction (counters, depths); others as they are.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}

struct StatsView: Encodable {
    struct Sample: Encodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Histogram: Encodable {
        struct Bucket: Encodable {
            var le: Double
            var count: UInt64
        }

        var name: String
        var labels: [String: String]
        var count: UInt64
        var sum: Double
        var buckets: [Bucket]
    }

    var now: String
    var counters: [Sample]
    var gauges: [Sample]
    var histograms: [Histogram]

    init(_ answer: Herald_V1_GetStatsResponse) {
        func labels(_ labels: [Herald_V1_MetricLabel]) -> [String: String] {
            Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        func sample(_ sample: Herald_V1_MetricSample) -> Sample {
            Sample(name: sample.name, labels: labels(sample.labels), value: sample.value)
        }
        now = answer.now
        counters = answer.counters.map(sample)
        gauges = answer.gauges.map(sample)
        histograms = answer.histograms.map {
            Histogram(
                name: $0.name, labels: labels($0.labels), count: $0.count, sum: $0.sum,
                buckets: $0.buckets.map { Histogram.Bucket(le: $0.upperBound, count: $0.count) })
        }
    }
}
