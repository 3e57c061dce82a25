/// The metrics of a registry at one moment, read from its Prometheus text.
///
/// swift-prometheus keeps values in its registry and gives them out only as
/// text, so `GetStats` parses what `/metrics` serves: both show the same figures
/// from the same handles, and there is no second set of counters to drift.
/// Understands what the registry writes (`# TYPE` lines, samples without
/// timestamps, escaped label values); other lines are skipped.
public struct MetricsSnapshot: Sendable, Equatable {
    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// A counter's or gauge's value for one label set.
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [Label]
        public var value: Double
    }

    public struct Histogram: Sendable, Equatable {
        public struct Bucket: Sendable, Equatable {
            /// The bucket's `le`: observations at most this.
            public var upperBound: Double
            /// Observations in this bucket and every lower one (Prometheus buckets are cumulative).
            public var count: UInt64
        }

        public var name: String
        public var labels: [Label]
        public var count: UInt64
        public var sum: Double
        /// By upper bound, without `+Inf` (whose count is ``count``).
        public var buckets: [Bucket]
    }

    /// By name, then labels.
    public var counters: [Sample] = []
    public var gauges: [Sample] = []
    public var histograms: [Histogram] = []

    public init(parsing text: String) {
        var types: [String: String] = [:]
        var histograms: [HistogramKey: Histogram] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ")
                if words.count == 4 { types[String(words[2])] = String(words[3]) }
                continue
            }
            guard !line.hasPrefix("#"), var sample = Self.sample(line) else { continue }
            switch types[sample.name] {
            case "counter": counters.append(sample)
            case "gauge": gauges.append(sample)
            default:
                guard let (base, part) = Self.histogramPart(of: sample.name), types[base] == "histogram" else { continue }
                let bound = sample.labels.first { $0.name == "le" }.map { Self.number($0.value) } ?? nil
                sample.labels.removeAll { $0.name == "le" }
                let key = HistogramKey(name: base, labels: sample.labels)
                var histogram = histograms[key] ?? Histogram(name: base, labels: sample.labels, count: 0, sum: 0, buckets: [])
                switch part {
                case "_sum": histogram.sum = sample.value
                case "_count": histogram.count = UInt64(max(0, sample.value))
                default:
                    if let bound, bound.isFinite {
                        histogram.buckets.append(.init(upperBound: bound, count: UInt64(max(0, sample.value))))
                    }
                }
                histograms[key] = histogram
            }
        }
        counters.sort(by: Self.ordered)
        gauges.sort(by: Self.ordered)
        self.histograms = histograms.values
            .map { histogram in
                var sorted = histogram
                sorted.buckets.sort { $0.upperBound < $1.upperBound }
                return sorted
            }
            .sorted { ($0.name, Self.text($0.labels)) < ($1.name, Self.text($1.labels)) }
    }

    /// The counter with exactly these labels, if it exists.
    public func counter(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        counters.first { $0.name == name && Self.dictionary($0.labels) == labels }?.value
    }

    /// The gauge with exactly these labels, if it exists.
    public func gauge(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        gauges.first { $0.name == name && Self.dictionary($0.labels) == labels }?.value
    }

    /// The histogram with exactly these labels, if it exists.
    public func histogram(_ name: String, _ labels: [String: String] = [:]) -> Histogram? {
        histograms.first { $0.name == name && Self.dictionary($0.labels) == labels }
    }

    // MARK: Parsing

    private struct HistogramKey: Hashable {
        var name: String
        var labels: [Label]
    }

    private static func ordered(_ a: Sample, _ b: Sample) -> Bool {
        (a.name, text(a.labels)) < (b.name, text(b.labels))
    }

    private static func dictionary(_ labels: [Label]) -> [String: String] {
        Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    private static func text(_ labels: [Label]) -> String {
        labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }

    private static func histogramPart(of name: String) -> (base: String, part: String)? {
        for part in ["_bucket", "_sum", "_count"] where name.hasSuffix(part) {
            return (String(name.dropLast(part.count)), part)
        }
        return nil
    }

    /// `name{label="value",...} number` or `name number`.
    private static func sample(_ line: Substring) -> Sample? {
        var rest = line[...]
        guard let nameEnd = rest.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
        let name = String(rest[..<nameEnd])
        rest = rest[nameEnd...]
        var labels: [Label] = []
        if rest.first == "{" {
            rest = rest.dropFirst()
            while let first = rest.first, first != "}" {
                if first == "," {
                    rest = rest.dropFirst()
                    continue
                }
                guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else { return nil }
                let labelName = String(rest[..<equals])
                rest = rest[rest.index(equals, offsetBy: 2)...]
                var value = ""
                var escaped = false
                var closed = false
                while let character = rest.popFirst() {
                    if escaped {
                        value.append(character == "n" ? "\n" : character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { return nil }
                labels.append(Label(name: labelName, value: value))
            }
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        let number = rest.drop { $0 == " " }.prefix { $0 != " " }
        guard let value = Self.number(number) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: some StringProtocol) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(String(text))
        }
    }
}
