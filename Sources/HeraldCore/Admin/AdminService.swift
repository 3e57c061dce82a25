import Foundation
import HeraldProto
import Logging

/// The admin API of the core: validates every request, writes through the
/// ``AdminStore`` and publishes the booking events it stored.
///
/// One method per `Admin` RPC of `proto/herald/v1/admin.proto`: it conforms to
/// the generated `Herald_V1_Admin.ServiceProtocol`, whose `register(into:)` is
/// the admin endpoint's routing table. It knows no transport: ``AdminError``
/// carries its own RPC status, and the same service can sit behind another front end.
public struct AdminService: Sendable {
    let store: any AdminStore
    let clock: any WallClock
    let publish: @Sendable (Herald_V1_BookingEvent) -> Void
    let logged: @Sendable ([ReminderLogEntry]) -> Void
    let jobsPlanned: @Sendable () -> Void
    let metrics: HeraldMetrics
    let runtime: AdminRuntime
    let logger: Logger
    /// The keys of customers' links (shared with the dispatcher, which signs them).
    let linkKeyring: LinkKeyring
    /// Keeps ``processReplies()`` to one run at a time.
    let replyRun = ReplyRun()

    /// - Parameters:
    ///   - publish: called after a booking write has committed, with the event
    ///     it stored; must not block (the event socket only enqueues).
    ///   - logged: called after a booking write has committed, with the ReminderLog
    ///     rows it appended (cancelled and skipped notifications), as stored; must not block.
    ///   - jobsPlanned: called after a write that planned notification jobs, so
    ///     the dispatcher can look again at what is due next.
    ///   - metrics: where planned and skipped jobs are counted, and what `GetStats`
    ///     reads (the core's one ``HeraldMetrics``, shared with its dispatcher).
    ///   - runtime: what `Ping`, `ListChannels`, `GetStats` and `TestWebhook` read
    ///     from the running core.
    public init(
        store: any AdminStore,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        metrics: HeraldMetrics = HeraldMetrics(),
        runtime: AdminRuntime = .detached,
        publish: @escaping @Sendable (Herald_V1_BookingEvent) -> Void = { _ in },
        logged: @escaping @Sendable ([ReminderLogEntry]) -> Void = { _ in },
        jobsPlanned: @escaping @Sendable () -> Void = {},
        linkKeyring: LinkKeyring? = nil
    ) {
        self.linkKeyring = linkKeyring ?? LinkKeyring(store: store, clock: clock)
        self.store = store
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.runtime = runtime
        self.publish = publish
        self.logged = logged
        self.jobsPlanned = jobsPlanned
    }

    /// Runs a store call and turns its errors into answers a client can act on.
    func storing<T: Sendable>(_ body: () async throws -> T) async throws(AdminError) -> T {
        do {
            return try await body()
        } catch let error as AdminError {
            throw error
        } catch let error as StoreError {
            if case .underlying(let cause) = error {
                logger.error("store failure", metadata: ["error": "\(String(reflecting: cause))"])
            }
            throw AdminError(storeError: error)
        } catch {
            logger.error("store failure", metadata: ["error": "\(String(reflecting: error))"])
            throw AdminError(code: .internal, message: "the store failed; see the core's log")
        }
    }

    func requireTenant(_ id: String, field: String = "tenant_id") async throws(AdminError) -> Tenant {
        var validator = FieldValidator()
        _ = validator.identifier(field, id)
        try validator.finish()
        guard let tenant = try await storing({ try await store.tenant(id: id) }) else {
            throw .notFound(field: field, "no tenant \"\(id)\"")
        }
        return tenant
    }

    func clampedLimit(_ requested: UInt32) -> Int {
        requested == 0 ? 100 : min(Int(requested), 1000)
    }
}
