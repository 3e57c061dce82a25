import Foundation
import HeraldProto

/// What the admin API reads from the running core rather than from the store:
/// its version, the connected workers, a live webhook probe, the store's health
/// and the frames its endpoints dropped. `heraldd` fills it from its dispatcher
/// and endpoints; ``detached`` stands for a service with no core around it (tests).
public struct AdminRuntime: Sendable {
    public var version: String
    public var workers: @Sendable () -> [WorkerSnapshot]
    public var probe: @Sendable (Herald_V1_Delivery, Duration) async -> ProbeAnswer
    public var storeOutage: @Sendable () -> StoreHealth.Outage?
    public var droppedFrames: @Sendable () -> UInt64

    public init(
        version: String,
        workers: @escaping @Sendable () -> [WorkerSnapshot],
        probe: @escaping @Sendable (Herald_V1_Delivery, Duration) async -> ProbeAnswer,
        storeOutage: @escaping @Sendable () -> StoreHealth.Outage?,
        droppedFrames: @escaping @Sendable () -> UInt64
    ) {
        self.version = version
        self.workers = workers
        self.probe = probe
        self.storeOutage = storeOutage
        self.droppedFrames = droppedFrames
    }

    /// No workers, no probe answer, a healthy store, nothing dropped.
    public static let detached = AdminRuntime(
        version: "0.0.0", workers: { [] }, probe: { delivery, _ in .noWorker(channel: delivery.channel) }, storeOutage: { nil }, droppedFrames: { 0 })
}
