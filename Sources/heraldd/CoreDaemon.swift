import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldCore
import HeraldProto
import Logging
import ServiceLifecycle
import Synchronization

/// Wires the store, the admin service and the three sockets together and runs
/// them as one service group.
///
/// Everything that can fail at start (opening and migrating the database,
/// binding each endpoint) happens in `init`, so a bad configuration stops the
/// process before it claims to be ready. The metrics endpoint is the exception:
/// its HTTP server binds when the group runs, and the ready line waits for it.
struct CoreDaemon {
    let logger: Logger
    let context: ZMQContext
    let publisher: EventPublisher
    let admin: RPCServer
    let dispatcher: Dispatcher
    let metricsServer: MetricsServer?
    /// With CURVE: admits client keys at the handshake and knows their roles.
    let zap: ZAPHandler?
    let reloader: AuthorizedKeysReloader?
    /// With PostgreSQL: wakes the dispatcher when another core writes jobs.
    let jobListener: JobListener?
    /// Reports or cancels bookings still unconfirmed at their deadline.
    let confirmationDeadlines: ConfirmationDeadlines

    init(configuration: CoreConfiguration, logger: Logger) async throws {
        self.logger = logger
        let metrics = HeraldMetrics()
        let health = StoreHealth(logger: logger, metrics: metrics)
        let store = try await configuration.database.open(coreID: configuration.coreID, health: health, logger: logger)
        logger.info("database ready", metadata: [
            "database": "\(configuration.database)", "core_id": "\(configuration.coreID)"])

        context = try ZMQContext()
        let security = configuration.security
        // The ZAP handler must be listening before any CURVE socket binds.
        var zap: ZAPHandler?
        if let security {
            zap = try ZAPHandler(
                context: context, keys: security.authorizedKeys, domains: BusSecurity.domains, logger: logger,
                onRefused: { metrics.handshakeRefused(endpoint: $0) })
        }
        self.zap = zap
        var channelAuthorization: (@Sendable (String?) -> Bool)?
        var adminAuthorization: (@Sendable (RPCContext) -> RPCError?)?
        if let zap {
            channelAuthorization = { zap.role(ofUserID: $0) == .channel }
            adminAuthorization = { Self.authorizeAdmin($0, zap: zap) }
        }
        if let security, let zap {
            for warning in security.warnings { logger.warning("\(warning)") }
            logger.info("CURVE on every endpoint", metadata: [
                "public_key": "\(security.keyPair.publicKey)", "authorized_keys": "\(security.authorizedKeys.summary)"])
            reloader = AuthorizedKeysReloader(path: security.authorizedKeysPath, handler: zap, logger: logger)
        } else {
            reloader = nil
        }
        let publisher = try EventPublisher(
            context: context, endpoint: configuration.eventsEndpoint, curve: security?.curve(for: "events"), logger: logger)
        self.publisher = publisher
        let channelEndpoint = try RouterEndpoint(
            context: context,
            configuration: RouterEndpoint.Configuration(
                endpoint: configuration.channelEndpoint,
                curve: security?.curve(for: "channel"),
                authorize: channelAuthorization,
                droppedFramesCounter: metrics.framesUndecodable(endpoint: "channel")),
            logger: logger)
        // Every ReminderLog row, as its writer (a dispatch turn or a booking write)
        // stored it, goes out on the event stream once.
        let publishDeliveries: @Sendable ([ReminderLogEntry]) -> Void = { entries in
            for entry in entries {
                let event = Herald_V1_DeliveryEvent.with {
                    $0.type = "delivery." + entry.outcome.rawValue
                    $0.entry = entry.proto
                }
                guard let payload = try? event.serializedData() else { continue }
                publisher.publish(topic: event.type, payload: payload)
            }
        }
        // A sent row whose delivery status a provider's receipt moved forward goes out
        // as "delivery.<status>" (delivery.delivered, ...), the row as it is now. "sent"
        // is not published: that topic is the send's own, and the receipt adds nothing.
        let publishDeliveryChanges: @Sendable ([ReminderLogEntry]) -> Void = { entries in
            for entry in entries {
                guard let status = entry.delivery?.status, status != .sent else { continue }
                let event = Herald_V1_DeliveryEvent.with {
                    $0.type = "delivery." + status.rawValue
                    $0.entry = entry.proto
                }
                guard let payload = try? event.serializedData() else { continue }
                publisher.publish(topic: event.type, payload: payload)
            }
        }
        // Customers' replies go through the admin service's booking path (made below).
        let replyHandler = LateBound<AdminService>()
        // One keyring for the links the dispatcher signs and the admin service opens.
        let linkKeyring = LinkKeyring(store: store)
        if let publicURL = configuration.publicURL {
            if !publicURL.lowercased().hasPrefix("https://") {
                logger.warning("--public-url is not https: mail providers ignore one-click unsubscribe links that are not (RFC 8058)")
            }
            logger.info("links in customers' messages", metadata: ["public_url": "\(publicURL)"])
        }
        let dispatcher = Dispatcher(
            store: store, endpoint: channelEndpoint, clock: SystemWallClock(),
            configuration: configuration.dispatch, coreVersion: CoreVersion.current, logger: logger,
            metrics: metrics,
            logged: publishDeliveries, deliveryChanged: publishDeliveryChanges,
            replied: { _ in
                guard let service = replyHandler.value else { return }
                Task { await service.processReplies() }
            },
            links: configuration.publicURL.map { LinkMaker(publicURL: $0, keyring: linkKeyring) })
        self.dispatcher = dispatcher
        jobListener = (store as? PostgresStore).map { JobListener(store: $0, dispatcher: dispatcher) }

        // Ping reports the frames both ROUTER endpoints dropped; the admin
        // server exists only after its routes, hence the late binding.
        let adminServer = LateBound<RPCServer>()
        let runtime = AdminRuntime(
            version: CoreVersion.current,
            workers: { dispatcher.connectedWorkers },
            probe: { delivery, timeout in await dispatcher.probe(delivery, timeout: timeout) },
            storeOutage: { health.current },
            droppedFrames: { dispatcher.droppedFrames + (adminServer.value?.droppedFrames ?? 0) })
        let service = AdminService(
            store: store, logger: logger, metrics: metrics, runtime: runtime,
            publish: { event in
                guard let payload = try? event.serializedData() else { return }
                publisher.publish(topic: event.type, payload: payload)
            },
            logged: publishDeliveries,
            jobsPlanned: { dispatcher.wake() },
            linkKeyring: linkKeyring)
        replyHandler.value = service
        confirmationDeadlines = ConfirmationDeadlines(service: service)
        // Replies a previous run kept but had not acted on (it stopped in between).
        Task { await service.processReplies() }
        var router = RPCRouter()
        service.register(into: &router)
        admin = try RPCServer(
            context: context,
            configuration: RPCServerConfiguration(
                endpoint: configuration.adminEndpoint,
                curve: security?.curve(for: "admin"),
                authorize: adminAuthorization,
                droppedFramesCounter: metrics.framesUndecodable(endpoint: "admin")),
            router: router, logger: logger)
        adminServer.value = admin

        let endpoints = [
            "admin=\(admin.boundEndpoint)", "channel=\(dispatcher.boundEndpoint)", "events=\(publisher.boundEndpoint)",
        ]
        if let address = configuration.metricsAddress {
            metricsServer = MetricsServer(
                address: address,
                exposition: { try await service.metricsExposition(workers: dispatcher.connectedWorkers) },
                onListening: { url in Self.announceReady(endpoints + ["metrics=\(url)"], logger: logger) },
                logger: logger)
        } else {
            metricsServer = nil
        }
        self.endpoints = endpoints
    }

    /// What the ready line names, without the metrics endpoint.
    private let endpoints: [String]

    func run() async throws {
        // Shut down in reverse order: stop serving HTTP and admin requests first, publish last.
        var services: [any Service] = [publisher, dispatcher, confirmationDeadlines, admin]
        if let reloader { services.append(reloader) }
        if let jobListener { services.append(jobListener) }
        if let metricsServer {
            services.append(metricsServer)
        } else {
            let (endpoints, logger) = (endpoints, logger)
            services.insert(ReadyAnnouncement { Self.announceReady(endpoints, logger: logger) }, at: 0)
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        // Last: waits (up to each socket's LINGER) for queued frames, such as the
        // workers' Shutdown, to leave before the process exits.
        context.terminate()
        logger.info("heraldd stopped")
    }

    /// Admin RPC needs an admin key: a channel or observer key (admitted at the
    /// handshake) is told so, and a key removed by a reload loses access at once.
    static func authorizeAdmin(_ context: RPCContext, zap: ZAPHandler) -> RPCError? {
        guard let entry = zap.entry(forUserID: context.userID) else {
            return .permissionDenied("this key is no longer in the core's authorized keys")
        }
        guard entry.role == .admin else {
            return .permissionDenied(
                "the key \"\(entry.name)\" has the \(entry.role) role; \(context.method) needs an admin key")
        }
        return nil
    }

    /// Prints the ready line on stdout once every endpoint is bound, so scripts and
    /// tests can wait for it and learn the ports chosen for `*` (and port 0).
    static func announceReady(_ endpoints: [String], logger: Logger) {
        let ready = "heraldd ready " + endpoints.joined(separator: " ") + "\n"
        FileHandle.standardOutput.write(Data(ready.utf8))
        var metadata: Logger.Metadata = [:]
        for field in endpoints {
            let pair = field.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { metadata[String(pair[0])] = "\(pair[1])" }
        }
        logger.info("heraldd ready", metadata: metadata)
    }
}

/// Listens for other cores' new jobs (PostgreSQL) and wakes the dispatcher when
/// they are for a channel one of its workers serves.
struct JobListener: Service {
    let store: PostgresStore
    let dispatcher: Dispatcher

    func run() async throws {
        let dispatcher = dispatcher
        await cancelWhenGracefulShutdown {
            await store.listenForJobs { channels in
                if let channels, Set(dispatcher.connectedWorkers.map(\.channel)).isDisjoint(with: channels) { return }
                dispatcher.wake()
            }
        }
    }
}

/// Runs the admin service's confirmation deadlines until heraldd stops.
struct ConfirmationDeadlines: Service {
    let service: AdminService

    func run() async throws {
        await cancelWhenGracefulShutdown { await service.runConfirmationDeadlines() }
    }
}

/// A reference filled in after the closures that read it were made.
final class LateBound<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// Prints the ready line from inside the running service group: the group traps
/// SIGTERM and SIGINT before it starts any service, so a script that stops heraldd
/// right after the line gets a clean stop, not the signal's default (death).
private struct ReadyAnnouncement: Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        announce()
        try? await gracefulShutdown()
    }
}
