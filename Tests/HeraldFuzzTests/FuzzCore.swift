import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldCore
import HeraldProto
import HeraldTesting
import Logging
import Synchronization

/// The core's parts wired as `heraldd` wires them (the generated routing table),
/// on free ports and a fresh database, for the length of a test.
struct FuzzCore {
    let context: ZMQContext
    let store: SQLiteStore
    let service: AdminService
    let dispatcher: Dispatcher
    let admin: RPCServer
    let metrics: HeraldMetrics

    /// Quiet: a fuzz run provokes thousands of warnings by design.
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }

    /// - Parameter runDispatcher: false for a test that drives a dispatch loop of its own on the same store.
    static func with(runDispatcher: Bool = true, _ body: (FuzzCore) async throws -> Void) async throws {
        let directory = try makeTemporaryDirectory(prefix: "herald-fuzz")
        defer { try? FileManager.default.removeItem(at: directory) }
        let health = StoreHealth(logger: logger)
        let store = try SQLiteStore(path: directory.appending(path: "herald.sqlite").path, health: health)
        let metrics = HeraldMetrics()
        let context = try ZMQContext()
        let channel = try RouterEndpoint(
            context: context,
            configuration: .init(endpoint: "tcp://127.0.0.1:*", droppedFramesCounter: metrics.framesUndecodable(endpoint: "channel")),
            logger: logger)
        let dispatcher = Dispatcher(
            store: store, endpoint: channel, clock: SystemWallClock(), configuration: DispatcherConfiguration(),
            coreVersion: "fuzz", logger: logger, metrics: metrics)
        let adminServer = Mutex<RPCServer?>(nil)
        let runtime = AdminRuntime(
            version: "fuzz",
            workers: { dispatcher.connectedWorkers },
            probe: { delivery, timeout in await dispatcher.probe(delivery, timeout: timeout) },
            storeOutage: { health.current },
            droppedFrames: { dispatcher.droppedFrames + (adminServer.withLock { $0 }?.droppedFrames ?? 0) })
        let service = AdminService(
            store: store, logger: logger, metrics: metrics, runtime: runtime, jobsPlanned: { dispatcher.wake() })
        var router = RPCRouter()
        service.register(into: &router)
        let admin = try RPCServer(
            context: context,
            configuration: RPCServerConfiguration(
                endpoint: "tcp://127.0.0.1:*", droppedFramesCounter: metrics.framesUndecodable(endpoint: "admin")),
            router: router, logger: logger)
        adminServer.withLock { $0 = admin }
        let core = FuzzCore(
            context: context, store: store, service: service, dispatcher: dispatcher, admin: admin, metrics: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            if runDispatcher { group.addTask { try await dispatcher.run() } }
            group.addTask { try await admin.run() }
            try await body(core)
            group.cancelAll()
        }
    }

    /// A tenant and a booking two days ahead: its confirmation is due now on `email`.
    func seedBooking() async throws -> Herald_V1_Booking {
        _ = try await service.createTenant(.with { $0.id = "salon"; $0.name = "Salon"; $0.timezone = "Europe/London" })
        return try await service.createBooking(.with {
            $0.tenantID = "salon"
            $0.customerName = "Ada"
            $0.customerEmail = "ada@example.com"
            $0.startAt = Timestamp.format(Date().addingTimeInterval(2 * 86_400))
        })
    }
}
