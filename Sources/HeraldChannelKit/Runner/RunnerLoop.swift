import Foundation
import HeraldBus
import Logging

/// The state of one ``ChannelRunner/run()``: the current connection, the sends
/// in flight and where shutdown stands.
///
/// Only the loop in ``ChannelRunner/run()`` touches it, one ``RunnerEvent`` at a
/// time, so it needs no locks. Slow work (sends, timers) runs in child tasks of
/// that loop's task group and reports back as events.
final class RunnerLoop {
    typealias Group = ThrowingDiscardingTaskGroup<any Error>

    private let plugin: any ChannelPlugin
    private let configuration: ChannelRunner.Configuration
    private let context: ZMQContext
    private let logger: Logger
    private let inbox: AsyncStream<RunnerEvent>.Continuation
    private let reports: ReportDesk
    /// Reports sent on the current connection and not yet acknowledged: lost with it.
    private var reportsInFlight: Set<UInt64> = []
    private let observers: AsyncStream<ChannelRunner.Event>.Continuation

    private var connection: ChannelConnection?
    private var connectionAttempts: UInt64 = 0
    /// Which of the configured cores the current (or next) connection is to.
    private var coreIndex = 0
    /// Set once the core welcomed the current connection.
    private var heartbeatInterval: Duration?
    /// When the core last said anything on the current connection.
    private var lastHeard = ContinuousClock.now
    private var backoff: ReconnectBackoff
    /// Frames from the core that were not a `CoreMessage`; something else (or a
    /// broken core) on the endpoint must not flood the channel's log.
    private var undecodable = 0
    private let undecodableLog = LogThrottle()
    /// Delivery id → the latest attempt the core handed out for it.
    private var inFlight: [String: UInt32] = [:]
    /// Results that finished while no welcomed connection was there to take them.
    private var unsentResults: [Herald_V1_Result] = []
    private var drainReason: String?
    /// Set when the loop should end: `Goodbye` is sent and the socket closed.
    private(set) var isFinished = false

    init(
        plugin: any ChannelPlugin,
        configuration: ChannelRunner.Configuration,
        context: ZMQContext,
        logger: Logger,
        inbox: AsyncStream<RunnerEvent>.Continuation,
        observers: AsyncStream<ChannelRunner.Event>.Continuation,
        reports: ReportDesk
    ) {
        self.reports = reports
        self.plugin = plugin
        self.configuration = configuration
        self.context = context
        self.logger = logger
        self.inbox = inbox
        self.observers = observers
        self.backoff = ReconnectBackoff(
            initial: configuration.initialReconnectDelay, maximum: configuration.maximumReconnectDelay)
    }

    // MARK: Events

    func handle(_ event: RunnerEvent, in group: inout Group) async throws {
        switch event {
        case .received(let message, let serial):
            guard serial == connection?.serial else { return }
            guard let message else {
                undecodable += 1
                if let suppressed = undecodableLog.admit("undecodable") {
                    logger.warning("dropped a frame from the core that is not a CoreMessage", metadata: [
                        "dropped.total": "\(undecodable)", "suppressed": "\(suppressed)",
                    ])
                }
                return
            }
            lastHeard = .now
            try await handle(message, in: &group)

        case .heartbeatDue(let serial):
            guard serial == connection?.serial, let interval = heartbeatInterval else { return }
            if ContinuousClock.now - lastHeard > interval * 3 {
                await connectionLost("no message from the core for 3 heartbeat intervals", in: &group)
            } else {
                connection?.send(.heartbeat(.with {
                    $0.sentAtMs = Self.nowMilliseconds
                    $0.inFlight = UInt32(inFlight.count)
                    $0.callbacksRefused = reports.takeRefusedCallbacks()
                }), deadline: .now + interval)
                schedule(.heartbeatDue(connection: serial), after: interval, in: &group)
            }

        case .registerTimedOut(let serial):
            guard serial == connection?.serial, heartbeatInterval == nil else { return }
            await connectionLost("no answer to Register within \(configuration.registerTimeout)", in: &group)

        case .reconnectDue:
            guard connection == nil, drainReason == nil else { return }
            try connect(in: &group)

        case .sendFinished(let deliveryID, let outcome, let started):
            guard let attempt = inFlight.removeValue(forKey: deliveryID) else { return }
            let result = makeResult(deliveryID: deliveryID, attempt: attempt, outcome: outcome)
            logger.debug("delivery handled", metadata: [
                "delivery": "\(deliveryID)", "attempt": "\(attempt)", "outcome": "\(result.outcome)",
                "duration": "\(ContinuousClock.now - started)",
            ])
            deliver(result)
            if drainReason != nil && inFlight.isEmpty { await finish() }

        case .reportRequested(let id, var report):
            // Only on a welcomed connection: the core refuses reports before Register,
            // and one held for later would outlive the provider's wait for an answer.
            guard let connection, heartbeatInterval != nil, drainReason == nil else {
                reports.resolve(id, .coreUnavailable)
                return
            }
            reportsInFlight.insert(id)
            report.reportID = id
            connection.send(.report(report))

        case .shutdownRequested(let reason):
            await beginDraining(reason: reason, in: &group)

        case .accountsChanged:
            // A connection not yet welcomed registers with the new list anyway.
            guard let connection, heartbeatInterval != nil else { return }
            let accounts = plugin.accounts
            connection.send(.accountsChanged(.with { $0.accounts = accounts }))

        case .drainTimedOut:
            guard !isFinished else { return }
            logger.warning("in-flight sends outlived the shutdown timeout; cancelling them", metadata: [
                "in_flight": "\(inFlight.count)", "timeout": "\(configuration.drainTimeout)",
            ])
            // Timers die too; the loop now only waits for the cancelled sends to return.
            group.cancelAll()
        }
    }

    private func handle(_ message: Herald_V1_CoreMessage, in group: inout Group) async throws {
        switch message.body {
        case .welcome(let welcome):
            guard heartbeatInterval == nil, let serial = connection?.serial else { return }
            let interval = welcome.heartbeatIntervalMs > 0
                ? Duration.milliseconds(welcome.heartbeatIntervalMs) : configuration.defaultHeartbeatInterval
            heartbeatInterval = interval
            backoff.reset()
            logger.notice("registered with the core", metadata: [
                "heartbeat_interval": "\(interval)", "lease_ms": "\(welcome.leaseMs)", "core_version": "\(welcome.coreVersion)",
            ])
            observers.yield(.welcomed(heartbeatInterval: interval))
            let pending = unsentResults
            unsentResults.removeAll()
            pending.forEach(deliver)
            schedule(.heartbeatDue(connection: serial), after: interval, in: &group)

        case .reject(let reject) where heartbeatInterval != nil:
            // Welcomed on this connection, then refused: the core restarted (or took
            // this worker for dead) and no longer knows it. Register afresh.
            await connectionLost("the core no longer knows this worker: \(reject.reason)", in: &group)

        case .reject(let reject):
            logger.error("the core rejected this channel", metadata: ["reason": "\(reject.reason)"])
            observers.yield(.rejected(reason: reject.reason))
            await connection?.closeAndWait()
            connection = nil
            throw ChannelRejectedError(reason: reject.reason, endpoint: currentEndpoint)

        case .delivery(let delivery):
            accept(delivery, in: &group)

        case .shutdown(let shutdown):
            // The core is going away (stopped, restarted, upgraded), not this channel:
            // keep running, drop the connection now rather than after three silent
            // heartbeat intervals, and register again (with backoff) when a core is
            // back. Sends in flight finish; their results go to the next core. The
            // Goodbye lets the core close its endpoint without waiting out its grace.
            logger.notice("the core is shutting down; reconnecting", metadata: ["reason": "\(shutdown.reason)"])
            connection?.send(.goodbye(.with { $0.reason = "the core is shutting down" }))
            await connectionLost("the core is shutting down: \(shutdown.reason)", in: &group)

        case .reportAck(let ack):
            if reportsInFlight.remove(ack.reportID) != nil { reports.resolve(ack.reportID, .stored) }

        case .heartbeat, .none:
            break
        }
    }

    // MARK: Deliveries

    /// Starts a send for `delivery`, or answers at once when it must not be sent.
    private func accept(_ delivery: Herald_V1_Delivery, in group: inout Group) {
        let id = delivery.deliveryID
        var metadata: Logger.Metadata = ["delivery": "\(id)", "attempt": "\(delivery.attempt)"]
        if drainReason != nil {
            deliver(makeResult(deliveryID: id, attempt: delivery.attempt,
                               outcome: .retry(error: "the channel worker is shutting down", code: "shutting_down")))
        } else if let running = inFlight[id] {
            // Re-leased while our first send still runs (e.g. across a reconnect). A
            // second send could reach the recipient twice; the running one answers
            // for the newest attempt instead.
            inFlight[id] = max(running, delivery.attempt)
            logger.info("delivery already being sent; its result will answer this attempt", metadata: metadata)
        } else if inFlight.count >= configuration.maxInFlight {
            metadata["max_in_flight"] = "\(configuration.maxInFlight)"
            logger.warning("the core sent a delivery beyond this worker's credit", metadata: metadata)
            deliver(makeResult(deliveryID: id, attempt: delivery.attempt,
                               outcome: .retry(error: "over credit", code: "over_credit")))
        } else if delivery.notAfterMs > 0 && Self.nowMilliseconds > delivery.notAfterMs {
            logger.info("delivery expired before sending", metadata: metadata)
            deliver(makeResult(deliveryID: id, attempt: delivery.attempt,
                               outcome: .failed(error: "expired before sending", code: "expired")))
        } else {
            inFlight[id] = delivery.attempt
            logger.trace("sending", metadata: metadata)
            let plugin = self.plugin, inbox = self.inbox
            group.addTask {
                let started = ContinuousClock.now
                let outcome = await plugin.send(delivery)
                inbox.yield(.sendFinished(deliveryID: id, outcome: outcome, started: started))
            }
        }
    }

    private func makeResult(deliveryID: String, attempt: UInt32, outcome: Outcome) -> Herald_V1_Result {
        var result = Herald_V1_Result()
        result.deliveryID = deliveryID
        result.attempt = attempt
        result.provider = plugin.provider
        switch outcome {
        case .sent(let providerMessageID):
            result.outcome = .sent
            result.providerMessageID = providerMessageID ?? ""
        case .retry(let error, let code, let after):
            result.outcome = .retry
            result.errorMessage = error
            result.errorCode = code ?? ""
            if let after { result.retryAfterMs = UInt32(clamping: max(0, after.milliseconds)) }
        case .failed(let error, let code):
            result.outcome = .failed
            result.errorMessage = error
            result.errorCode = code ?? ""
        case .recipientGone(let error, let code):
            result.outcome = .failed
            result.recipientGone = true
            result.errorMessage = error
            result.errorCode = code ?? ""
        }
        return result
    }

    /// Sends `result` on the welcomed connection, or keeps it for the next one.
    private func deliver(_ result: Herald_V1_Result) {
        if let connection, heartbeatInterval != nil {
            connection.send(.result(result))
        } else {
            unsentResults.append(result)
        }
    }

    // MARK: Connection

    /// The core this worker registers with now (see ``ChannelRunner/Configuration/endpoint``).
    var currentEndpoint: String { configuration.endpoints[coreIndex % configuration.endpoints.count] }

    /// Opens a fresh DEALER and registers. The first failure is thrown (the
    /// endpoint is unusable); later ones are retried with backoff.
    func connect(in group: inout Group) throws {
        connectionAttempts += 1
        let serial = connectionAttempts
        let inbox = self.inbox
        do {
            connection = try ChannelConnection(
                context: context, endpoint: currentEndpoint, curve: configuration.curve,
                serial: serial, logger: logger,
                onMessage: { inbox.yield(.received($0, connection: serial)) })
        } catch {
            if serial == 1 { throw error }
            logger.error("cannot open a socket to the core", metadata: ["error": "\(error)"])
            scheduleReconnect(in: &group)
            return
        }
        heartbeatInterval = nil
        lastHeard = .now
        logger.info("connecting to the core", metadata: ["attempt": "\(serial)", "endpoint": "\(currentEndpoint)"])
        observers.yield(.connecting(attempt: Int(serial)))
        connection?.send(.register(.with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = plugin.channel
            $0.provider = plugin.provider
            $0.instanceID = configuration.instanceID
            $0.pluginVersion = plugin.version
            $0.maxInFlight = UInt32(clamping: configuration.maxInFlight)
            $0.capabilities = plugin.capabilities
            $0.standsInFor = plugin.standsInFor ?? ""
            $0.accounts = plugin.accounts
        }), deadline: .now + configuration.registerTimeout)
        schedule(.registerTimedOut(connection: serial), after: configuration.registerTimeout, in: &group)
    }

    private func connectionLost(_ reason: String, in group: inout Group) async {
        logger.warning("lost the core", metadata: ["reason": "\(reason)", "endpoint": "\(currentEndpoint)"])
        // With several cores, try the next one: this one may be gone for good.
        coreIndex = (coreIndex + 1) % configuration.endpoints.count
        observers.yield(.connectionLost(reason: reason))
        connection?.close()
        connection = nil
        failReportsInFlight()
        heartbeatInterval = nil
        if drainReason != nil {
            if inFlight.isEmpty { await finish() }
        } else {
            scheduleReconnect(in: &group)
        }
    }

    private func scheduleReconnect(in group: inout Group) {
        let delay = backoff.next()
        logger.info("reconnecting", metadata: ["after": "\(delay)"])
        observers.yield(.reconnectScheduled(after: delay))
        schedule(.reconnectDue, after: delay, in: &group)
    }

    /// The reports sent on a connection now gone may or may not have been stored:
    /// their callbacks are answered 503, and the provider's retry is harmless either way.
    private func failReportsInFlight() {
        for id in reportsInFlight { reports.resolve(id, .coreUnavailable) }
        reportsInFlight.removeAll()
    }

    // MARK: Shutdown

    func beginDraining(reason: String, in group: inout Group) async {
        guard drainReason == nil else { return }
        drainReason = reason
        logger.info("shutting down", metadata: ["reason": "\(reason)", "in_flight": "\(inFlight.count)"])
        observers.yield(.draining(inFlight: inFlight.count))
        if inFlight.isEmpty {
            await finish()
        } else {
            schedule(.drainTimedOut, after: configuration.drainTimeout, in: &group)
        }
    }

    /// Says `Goodbye` to a welcomed core and closes the socket. Also the way out
    /// when the loop is cancelled, so it is safe to call more than once.
    func finish() async {
        guard !isFinished else { return }
        isFinished = true
        if let connection {
            if heartbeatInterval != nil {
                connection.send(.goodbye(.with { $0.reason = drainReason ?? "stopped" }))
            }
            await connection.closeAndWait()
        }
        connection = nil
        failReportsInFlight()
        if !unsentResults.isEmpty || !inFlight.isEmpty {
            logger.warning("stopped with results the core never got; their leases will expire", metadata: [
                "unsent": "\(unsentResults.count + inFlight.count)",
            ])
        }
        logger.info("stopped")
        observers.yield(.stopped)
    }

    // MARK: Helpers

    /// Posts `event` to the loop after `delay`, unless the group is cancelled first.
    private func schedule(_ event: RunnerEvent, after delay: Duration, in group: inout Group) {
        let inbox = self.inbox
        group.addTask {
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            inbox.yield(event)
        }
    }

    static var nowMilliseconds: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

extension Duration {
    /// Whole milliseconds, truncated.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
