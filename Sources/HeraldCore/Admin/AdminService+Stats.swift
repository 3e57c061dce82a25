import Foundation
import HeraldProto

extension AdminService {
    /// The figures of the metrics endpoint, structured: read from the same registry
    /// after the same refresh, so `herald stats` and `/metrics` agree.
    /// - Parameter workers: the dispatcher's view of connected workers.
    public func getStats(_ request: Herald_V1_GetStatsRequest, workers: [WorkerSnapshot]) async throws(AdminError)
        -> Herald_V1_GetStatsResponse
    {
        let now = clock.now()
        let snapshot = MetricsSnapshot(parsing: try await metricsExposition(workers: workers))
        return .with {
            $0.now = Timestamp.format(now)
            $0.counters = snapshot.counters.map(\.proto)
            $0.gauges = snapshot.gauges.map(\.proto)
            $0.histograms = snapshot.histograms.map(\.proto)
        }
    }

    /// Every metric in the Prometheus text format, for `GET /metrics`. Queue depth
    /// (the query behind `ListChannels`) and connected workers are counted now.
    /// - Parameter workers: the dispatcher's view of connected workers.
    public func metricsExposition(workers: [WorkerSnapshot]) async throws(AdminError) -> String {
        let now = clock.now()
        let (queues, accounts) = try await storing {
            (try await store.queueStats(now: now), try await store.accountQueues(now: now))
        }
        metrics.updateGauges(queues: queues, workers: workers)
        metrics.updateAccountGauges(accounts, now: now)
        return metrics.exposition()
    }
}

extension MetricsSnapshot.Sample {
    var proto: Herald_V1_MetricSample {
        .with {
            $0.name = name
            $0.labels = labels.map(\.proto)
            $0.value = value
        }
    }
}

extension MetricsSnapshot.Histogram {
    var proto: Herald_V1_HistogramSample {
        .with {
            $0.name = name
            $0.labels = labels.map(\.proto)
            $0.count = count
            $0.sum = sum
            $0.buckets = buckets.map { bucket in
                .with {
                    $0.upperBound = bucket.upperBound
                    $0.count = bucket.count
                }
            }
        }
    }
}

extension MetricsSnapshot.Label {
    var proto: Herald_V1_MetricLabel {
        .with {
            $0.name = name
            $0.value = value
        }
    }
}
