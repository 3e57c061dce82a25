import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The counters, gauges and histograms of one core, kept in a Prometheus
/// registry of its own.
///
/// Each core makes one and hands it to its ``Dispatcher``, its ``AdminService``
/// and its endpoints; nothing here touches the global `MetricsSystem`, so tests
/// can run many cores in one process. The handles are swift-metrics objects made
/// with this registry's factory. `/metrics` and the `GetStats` RPC both read the
/// registry (``exposition()``, ``snapshot()``), so they always agree.
///
/// Labels are bounded: channels, providers, kinds, queue states and endpoint
/// names, never tenants, bookings or recipients. Channel and provider names come
/// from workers' registrations, so as a safeguard a metric keeps at most
/// ``maxSeriesPerMetric`` label sets; further ones are counted under `other`.
public final class HeraldMetrics: Sendable {
    /// Where the values live.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let handles = Mutex(Handles())

    static let maxSeriesPerMetric = 500

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[Self.deliveryLateness.name] = Self.latenessBuckets
        self.factory = factory
    }

    // MARK: What is measured

    /// Jobs a booking write planned to send.
    static let jobsPlanned = MetricName("herald_jobs_planned_total", labels: "channel", "kind")
    /// Jobs a booking write stored as `skipped` (their time had passed, or quiet hours crowded them out).
    static let jobsSkipped = MetricName("herald_jobs_skipped_total", labels: "channel", "kind")
    /// Deliveries handed to a worker (every attempt).
    static let jobsDispatched = MetricName("herald_jobs_dispatched_total", labels: "channel", "provider")
    static let jobsSent = MetricName("herald_jobs_sent_total", labels: "channel", "provider")
    static let jobsFailed = MetricName("herald_jobs_failed_total", labels: "channel", "provider")
    /// Attempts answered RETRY that will be tried again.
    static let jobsRetried = MetricName("herald_jobs_retried_total", labels: "channel", "provider")
    /// Jobs found too late to send at send time.
    static let jobsMissed = MetricName("herald_jobs_missed_total", labels: "channel")
    /// Retry answers by which a provider throttled a paced sender (pool#account), which then paused.
    static let sendersThrottled = MetricName("herald_sender_throttled_total", labels: "sender")
    /// Due messages a paced sender's rate will hold past their deadline, each counted
    /// once when that became certain (``PacingWatch``).
    static let pacedPastDeadline = MetricName("herald_paced_past_deadline_total", labels: "sender")
    /// Seconds from a job's due time to the core recording it sent.
    static let deliveryLateness = MetricName("herald_delivery_lateness_seconds", labels: "channel")
    static let queueDepth = MetricName("herald_queue_depth", labels: "channel", "state")
    /// Jobs due now per provider account ("default" for the workers' own), and how
    /// long the oldest of them has waited: a paced sender's backlog.
    static let accountQueueDue = MetricName("herald_account_queue_due", labels: "channel", "account")
    static let accountQueueAge = MetricName("herald_account_queue_age_seconds", labels: "channel", "account")
    static let workersConnected = MetricName("herald_workers_connected", labels: "channel")
    /// Frames dropped as malformed on an endpoint (what `herald ping` reports).
    static let framesUndecodable = MetricName("herald_frames_undecodable_total", labels: "endpoint")
    /// 1 while the database takes writes, 0 while it refuses them (disk full, read-only, I/O errors).
    static let storeWritable = MetricName("herald_store_writable")
    /// Writes the database refused; each is retried, so this counts attempts, not lost data.
    static let storeWritesRefused = MetricName("herald_store_writes_refused_total")
    /// CURVE handshakes the ZAP handler refused (unlisted key, or a role the endpoint does not admit).
    static let handshakesRefused = MetricName("herald_handshakes_refused_total", labels: "endpoint")
    /// Messages that decoded but were refused: fields out of range, out of order, over a peer's rate.
    static let messagesRefused = MetricName("herald_messages_refused_total", labels: "endpoint", "reason")
    /// Worker results acknowledged and dropped: late, superseded, for an unknown delivery or another worker's.
    static let resultsIgnored = MetricName("herald_results_ignored_total", labels: "reason")

    /// Providers' delivery receipts the core took: `result` is `updated` (the delivery
    /// status moved forward), `unchanged` (a duplicate or a late one) or `unknown` (no
    /// sent message has that id).
    static let receipts = MetricName("herald_receipts_total", labels: "channel", "provider", "result")
    /// Sent messages whose delivery status moved forward, by the new status.
    static let deliveryStatus = MetricName("herald_delivery_status_total", labels: "channel", "provider", "status")
    /// Customers' messages to a channel's number: `meaning` is `stop`, `start`, `reply`
    /// (kept for a tenant's reply keywords), `other` (nothing to act on, or a number no
    /// tenant has a booking for) or `duplicate` (sent again).
    static let inboundMessages = MetricName("herald_inbound_messages_total", labels: "channel", "provider", "meaning")
    /// Provider callbacks channel workers' listeners refused (a missing or wrong
    /// signature), as the workers report them in their heartbeats.
    static let callbacksRefused = MetricName("herald_callbacks_refused_total", labels: "channel", "provider")

    /// From 5 ms (a reminder on time) to an hour (sent late after downtime, within a long grace).
    static let latenessBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

    // MARK: Recording

    /// The jobs one booking write stored: `planned` to send and `skipped`.
    func recordPlan(planned: [NotificationJob], skipped: [NotificationJob]) {
        count(Self.jobsPlanned, planned.map { [$0.channel, $0.kind.rawValue] })
        count(Self.jobsSkipped, skipped.map { [$0.channel, $0.kind.rawValue] })
    }

    /// One lease call's work for one worker pool.
    /// A provider throttled a paced sender (``Pacer``).
    func recordThrottled(sender: String) {
        counter(Self.sendersThrottled, [sender]).increment(by: 1)
    }

    /// Due messages of a paced sender found certain to pass their deadline.
    func recordPacedPastDeadline(sender: String, count: Int) {
        counter(Self.pacedPastDeadline, [sender]).increment(by: count)
    }

    func recordLease(channel: String, provider: String, leased: Int, missed: Int) {
        if leased > 0 { counter(Self.jobsDispatched, [channel, provider]).increment(by: leased) }
        if missed > 0 { counter(Self.jobsMissed, [channel]).increment(by: missed) }
    }

    /// Results the store applied in one batch.
    ///
    /// Called once per dispatcher turn with up to thousands of results: they are
    /// tallied first, so each handle is looked up once per batch, not per result.
    func recordOutcomes(_ outcomes: [DeliveryOutcome]) {
        guard !outcomes.isEmpty else { return }
        var tally: [OutcomeKey: Int] = [:]
        var lateness: [String: [Double]] = [:]
        for outcome in outcomes {
            tally[OutcomeKey(resolution: outcome.resolution, channel: outcome.channel, provider: outcome.provider), default: 0] += 1
            if outcome.resolution == .sent, let seconds = outcome.lateness {
                lateness[outcome.channel, default: []].append(max(0, seconds))
            }
        }
        for (key, amount) in tally {
            let metric: MetricName =
                switch key.resolution {
                case .sent: Self.jobsSent
                case .failed: Self.jobsFailed
                case .retried: Self.jobsRetried
                }
            counter(metric, [key.channel, key.provider]).increment(by: amount)
        }
        for (channel, values) in lateness {
            let histogram = recorder(Self.deliveryLateness, [channel])
            for value in values { histogram.record(value) }
        }
    }

    private struct OutcomeKey: Hashable {
        var resolution: DeliveryOutcome.Resolution
        var channel: String
        var provider: String
    }

    /// The counter an endpoint increments for each frame it drops (`admin`, `channel`).
    public func framesUndecodable(endpoint: String) -> CoreMetrics.Counter {
        counter(Self.framesUndecodable, [endpoint])
    }

    /// Whether the database takes writes now (see ``StoreHealth``).
    public func storeWritable(_ writable: Bool) {
        gauge(Self.storeWritable, []).record(writable ? 1 : 0)
    }

    public func storeWriteRefused() {
        counter(Self.storeWritesRefused, []).increment()
    }

    /// Counts a CURVE handshake refused on an endpoint (`admin`, `channel`, `events`).
    public func handshakeRefused(endpoint: String) {
        counter(Self.handshakesRefused, [endpoint]).increment()
    }

    /// One message an endpoint refused; `reason` is one of a fixed set.
    func recordRefused(endpoint: String, reason: String) {
        counter(Self.messagesRefused, [endpoint, reason]).increment()
    }

    /// One result the dispatcher or the store ignored; `reason` is one of a fixed set.
    func recordIgnoredResult(reason: String) {
        counter(Self.resultsIgnored, [reason]).increment()
    }

    /// One receipt the store took, and what it did.
    func recordReceipt(channel: String, provider: String, _ disposition: ReceiptDisposition) {
        switch disposition {
        case .updated(let entry):
            counter(Self.receipts, [channel, provider, "updated"]).increment()
            if let status = entry.delivery?.status {
                counter(Self.deliveryStatus, [channel, provider, status.rawValue]).increment()
            }
        case .unchanged:
            counter(Self.receipts, [channel, provider, "unchanged"]).increment()
        case .unknown:
            counter(Self.receipts, [channel, provider, "unknown"]).increment()
        }
    }

    func recordInbound(channel: String, provider: String, _ disposition: InboundDisposition) {
        let meaning =
            switch disposition {
            case .optedOut: "stop"
            case .optedIn: "start"
            case .reply: "reply"
            case .ignored: "other"
            case .duplicate: "duplicate"
            }
        counter(Self.inboundMessages, [channel, provider, meaning]).increment()
    }

    func recordCallbacksRefused(channel: String, provider: String, count: UInt64) {
        counter(Self.callbacksRefused, [channel, provider]).increment(by: Int(clamping: count))
    }

    /// Sets queue depth and connected workers per channel, as counted now. A channel
    /// once seen keeps its series, at 0, so "jobs due and no worker" stays visible.
    func updateGauges(queues: [ChannelQueueStats], workers: [WorkerSnapshot]) {
        let workersByChannel = Dictionary(grouping: workers, by: \.channel).mapValues(\.count)
        let queuesByChannel = Dictionary(queues.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        let channels = handles.withLock { handles in
            handles.channels.formUnion(queuesByChannel.keys)
            handles.channels.formUnion(workersByChannel.keys)
            return handles.channels
        }
        for channel in channels {
            let queue = queuesByChannel[channel]
            gauge(Self.queueDepth, [channel, "due"]).record(queue?.dueNow ?? 0)
            gauge(Self.queueDepth, [channel, "scheduled"]).record(queue?.scheduled ?? 0)
            gauge(Self.queueDepth, [channel, "leased"]).record(queue?.leased ?? 0)
            gauge(Self.workersConnected, [channel]).record(workersByChannel[channel] ?? 0)
        }
    }

    /// Sets the due jobs and the oldest one's age per channel and account. An account
    /// once seen keeps its series, at 0.
    func updateAccountGauges(_ queues: [AccountQueueStats], now: Date) {
        let current = Dictionary(queues.map { ("\($0.channel)\u{0}\($0.account)", $0) }, uniquingKeysWith: { first, _ in first })
        let keys = handles.withLock { handles in
            handles.accounts.formUnion(current.keys)
            return handles.accounts
        }
        for key in keys {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let (channel, account) = (parts[0], parts.count > 1 && !parts[1].isEmpty ? parts[1] : ProviderAccounts.defaultName)
            let queue = current[key]
            gauge(Self.accountQueueDue, [channel, account]).record(queue?.dueNow ?? 0)
            gauge(Self.accountQueueAge, [channel, account]).record(queue?.oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }

    // MARK: Reading

    /// Every metric in the Prometheus text format (version 0.0.4).
    public func exposition() -> String { registry.emitToString() }

    /// Every metric, read back from ``exposition()``.
    public func snapshot() -> MetricsSnapshot { MetricsSnapshot(parsing: exposition()) }

    // MARK: Handles

    private func count(_ metric: MetricName, _ labelSets: [[String]]) {
        guard !labelSets.isEmpty else { return }
        var tally: [[String]: Int] = [:]
        for labels in labelSets { tally[labels, default: 0] += 1 }
        for (labels, amount) in tally { counter(metric, labels).increment(by: amount) }
    }

    private func counter(_ metric: MetricName, _ values: [String]) -> CoreMetrics.Counter {
        handle(\.counters, metric, values) { CoreMetrics.Counter(label: metric.name, dimensions: $0, factory: factory) }
    }

    private func gauge(_ metric: MetricName, _ values: [String]) -> CoreMetrics.Gauge {
        handle(\.gauges, metric, values) { CoreMetrics.Gauge(label: metric.name, dimensions: $0, factory: factory) }
    }

    private func recorder(_ metric: MetricName, _ values: [String]) -> CoreMetrics.Recorder {
        handle(\.recorders, metric, values) {
            CoreMetrics.Recorder(label: metric.name, dimensions: $0, aggregate: true, factory: factory)
        }
    }

    /// The handle of one label set, made on first use.
    private func handle<Handle: Sendable>(
        _ table: WritableKeyPath<Handles, [Series: Handle]>, _ metric: MetricName, _ values: [String],
        make: ([(String, String)]) -> Handle
    ) -> Handle {
        precondition(values.count == metric.labels.count, "\(metric.name) takes labels \(metric.labels)")
        return handles.withLock { handles in
            var series = Series(name: metric.name, values: values)
            if let existing = handles[keyPath: table][series] { return existing }
            if handles.seriesCount[metric.name, default: 0] >= Self.maxSeriesPerMetric {
                series.values = values.map { _ in "other" }
                if let existing = handles[keyPath: table][series] { return existing }
            }
            let made = make(Array(zip(metric.labels, series.values)))
            handles[keyPath: table][series] = made
            handles.seriesCount[metric.name, default: 0] += 1
            return made
        }
    }

    private struct Series: Hashable {
        var name: String
        var values: [String]
    }

    private struct Handles {
        var counters: [Series: CoreMetrics.Counter] = [:]
        var gauges: [Series: CoreMetrics.Gauge] = [:]
        var recorders: [Series: CoreMetrics.Recorder] = [:]
        var seriesCount: [String: Int] = [:]
        /// Channels that have queue and worker gauges.
        var channels: Set<String> = []
        /// Channel and account (joined by a NUL) of every account queue seen.
        var accounts: Set<String> = []
    }
}

/// A metric's Prometheus name and the names of its labels, in order.
struct MetricName: Sendable, Hashable {
    let name: String
    let labels: [String]

    init(_ name: String, labels: String...) {
        self.name = name
        self.labels = labels
    }
}

/// How one applied delivery result ended, for ``HeraldMetrics/recordOutcomes(_:)``.
struct DeliveryOutcome: Sendable, Equatable {
    enum Resolution: Sendable, Hashable {
        case sent, failed, retried
    }

    var resolution: Resolution
    var channel: String
    /// The provider the answering worker registered with.
    var provider: String
    /// Seconds from the job's due time to the result, for a sent job this core handed out.
    var lateness: TimeInterval?
}
