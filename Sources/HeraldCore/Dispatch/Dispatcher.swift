import Foundation
import HeraldBus
import HeraldProto
import Logging
import ServiceLifecycle
import Synchronization

/// Hands due notification jobs to channel workers and records what became of them.
///
/// The broker half speaks the channel protocol on the core's channel endpoint
/// (the Majordomo pattern of the ZeroMQ guide): workers register with their
/// channel, provider and credit, get `Welcome`, exchange heartbeats, and get
/// deliveries only against free credit. The scheduler half asks the store for
/// due jobs, leases them in batches and applies results in batches.
///
/// Timing is exact without polling: one loop sleeps until the earliest of the
/// next due job (of a channel that has a worker with credit), the next lease
/// expiry and the next heartbeat, and wakes early when a worker sends
/// something or a booking write planned jobs (``wake()``). Nothing about
/// future jobs is kept in memory; the store's index on due time answers
/// "what is next" however many there are.
public final class Dispatcher: Service, Sendable {
    enum Input: Sendable {
        /// A decoded message the intake admitted.
        case message(peer: Data, body: Herald_V1_WorkerMessage.OneOf_Body)
        case probe(Herald_V1_Delivery, reply: @Sendable (ProbeAnswer) -> Void)
        case probeTimedOut(deliveryID: String)
    }

    private let endpoint: RouterEndpoint
    private let mailbox = Mailbox<Input>()
    private let loop: UnsafeLoopBox
    private let workers = Mutex<[WorkerSnapshot]>([])
    private let refusals: ChannelRefusals
    private let heartbeatInterval: TimeInterval

    /// - Parameter metrics: where deliveries handed out, their outcomes and their
    ///   lateness are counted (the core's one ``HeraldMetrics``).
    /// - Parameter logged: called after each turn with the ReminderLog rows written
    ///   since the last call (by results, send-time checks and booking writes), for
    ///   the live event stream; must not block.
    public init(
        store: any DispatchStore, endpoint: RouterEndpoint, clock: any WallClock,
        configuration: DispatcherConfiguration, coreVersion: String, logger: Logger,
        metrics: HeraldMetrics = HeraldMetrics(),
        logged: (@Sendable ([ReminderLogEntry]) -> Void)? = nil
    ) {
        self.endpoint = endpoint
        let refusals = ChannelRefusals(logger: logger, metrics: metrics)
        self.refusals = refusals
        self.heartbeatInterval = configuration.heartbeatInterval
        let loop = DispatchLoop(
            store: store, endpoint: endpoint, clock: clock, configuration: configuration,
            coreVersion: coreVersion, logger: logger, metrics: metrics, refusals: refusals)
        loop.logged = logged
        self.loop = UnsafeLoopBox(loop)
    }

    public var boundEndpoint: String { endpoint.boundEndpoint }
    /// Frames the channel endpoint dropped as malformed.
    public var droppedFrames: UInt64 { endpoint.droppedFrames }

    /// Tells the loop that jobs may have become due sooner (a booking write).
    public func wake() { mailbox.nudge() }

    func post(_ input: Input) { mailbox.post(input) }

    /// The connected workers, as of the loop's last turn.
    public var connectedWorkers: [WorkerSnapshot] { workers.withLock { $0 } }

    public func run() async throws {
        let mailbox = mailbox
        let endpoint = endpoint
        let box = loop
        box.value.publish = { [weak self] snapshot in self?.workers.withLock { $0 = snapshot } }
        let refusals = refusals, heartbeatInterval = heartbeatInterval
        await withDiscardingTaskGroup { group in
            group.addTask {
                var intake = ChannelIntake(endpoint: endpoint, refusals: refusals, heartbeatInterval: heartbeatInterval)
                for await received in endpoint.messages {
                    guard let body = intake.admit(received) else { continue }
                    mailbox.post(.message(peer: received.peer, body: body))
                }
            }
            await cancelWhenGracefulShutdown {
                await box.value.run(mailbox: mailbox)
            }
            // Workers learn at once that this core is going away, rather than after
            // three silent heartbeat intervals; the endpoint stays open until they say
            // Goodbye (or the grace passes), so that none loses Shutdown to the closing
            // connection. `close()` then hands what is queued to libzmq, the socket's
            // LINGER lets it leave, and heraldd terminates its context last, which
            // waits for that.
            let told = box.value.announceShutdown(reason: "the core is shutting down")
            await box.value.awaitGoodbyes(from: told, mailbox: mailbox)
            endpoint.close()
        }
    }
}

/// The loop's state lives on the one task that runs it; this box only carries
/// it there from `init`.
final class UnsafeLoopBox: @unchecked Sendable {
    let value: DispatchLoop
    init(_ value: DispatchLoop) { self.value = value }
}

/// The dispatcher's state and its single loop. Everything here runs on the
/// loop's task, one turn at a time, so it needs no locks.
final class DispatchLoop {
    let store: any DispatchStore
    let endpoint: RouterEndpoint
    let clock: any WallClock
    let configuration: DispatcherConfiguration
    let logger: Logger
    let metrics: HeraldMetrics
    let refusals: ChannelRefusals
    let sendTimeCheck: SendTimeCheck
    let renderer = MessageRenderer()
    var publish: (@Sendable ([WorkerSnapshot]) -> Void)?
    var logged: (@Sendable ([ReminderLogEntry]) -> Void)?
    /// The newest ReminderLog row handed to `logged`.
    var lastLoggedID: Int64 = 0

    /// Every decision about workers and deliveries; this loop only carries them out.
    var state: DispatchState
    /// The callers of probes in flight, by delivery id (the state knows their holders).
    var probeReplies: [String: (started: ContinuousClock.Instant, reply: @Sendable (ProbeAnswer) -> Void)] = [:]
    /// The earliest lease expiry in the store, as of the last deadline computed.
    var storeLeaseExpiry: Date?

    init(
        store: any DispatchStore, endpoint: RouterEndpoint, clock: any WallClock,
        configuration: DispatcherConfiguration, coreVersion: String, logger: Logger, metrics: HeraldMetrics,
        refusals: ChannelRefusals
    ) {
        self.store = store
        self.endpoint = endpoint
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.refusals = refusals
        self.sendTimeCheck = SendTimeCheck(lateGrace: configuration.lateGrace)
        self.state = DispatchState(configuration: configuration, coreVersion: coreVersion)
    }

    func run(mailbox: Mailbox<Dispatcher.Input>) async {
        // No worker holds anything a previous run of the core handed out.
        do {
            if logged != nil { lastLoggedID = try await store.lastReminderLogID() }
            let released = try await store.releaseAllLeases(now: clock.now())
            if released > 0 { logger.notice("returned deliveries leased before the restart to the queue", metadata: ["jobs": "\(released)"]) }
        } catch {
            logger.error("cannot release old leases", metadata: ["error": "\(error)"])
        }

        while !Task.isCancelled {
            for input in mailbox.drain() {
                switch input {
                case .message(let peer, let body): handle(body, from: peer)
                case .probe(let delivery, let reply): startProbe(delivery, reply: reply)
                case .probeTimedOut(let deliveryID):
                    state.abandonProbe(deliveryID)
                    probeReplies.removeValue(forKey: deliveryID)
                }
            }
            do {
                try await turn()
                publish?(state.snapshot)
                let deadline = try await nextDeadline()
                logger.trace("turn done", metadata: [
                    "sleep_until": "\(deadline.map(Timestamp.format) ?? "-")", "drained": "\(state.drainedChannels.sorted())",
                ])
                if let deadline, deadline <= clock.now() { continue }
                await mailbox.wait(sleep: sleeper(until: deadline))
            } catch {
                if Task.isCancelled { break }
                // The store failed (disk full, locked): keep the state, try again in a
                // second of real time (the injected clock is for schedules, not for this).
                // Results not yet stored stay pending, and nothing new is handed out
                // until they are: the turn stops at the first failed write.
                if case .unavailable? = error as? StoreError {
                    // Its ``StoreHealth`` logged the outage once; this repeats every second.
                    logger.debug("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(error)"])
                } else {
                    logger.error("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(String(reflecting: error))"])
                }
                await mailbox.wait(sleep: { try? await Task.sleep(for: .seconds(1)) })
            }
        }
        logger.info("dispatcher stopped", metadata: [
            "workers": "\(state.workers.count)", "in_flight": "\(state.inFlight.count)",
        ])
    }

    /// One turn: heartbeats and dead workers, commit results, give back leases of
    /// departed workers and expired leases, and hand out what is due.
    func turn() async throws {
        let now = clock.now()
        // First, so that workers keep hearing from the core while the store fails.
        carryOut(state.tick(now: now))
        let results = state.resultsToStore
        if !results.isEmpty {
            let dispositions = try await store.applyResults(results.map(\.result))
            state.resultsStored()
            var outcomes: [DeliveryOutcome] = []
            outcomes.reserveCapacity(results.count)
            for (pending, disposition) in zip(results, dispositions) {
                switch disposition {
                case .applied:
                    outcomes.append(pending.outcome)
                case .ignored(let reason):
                    refusals.ignore(
                        deliveryID: pending.result.jobID, attempt: pending.result.attempt, reason: reason, peer: pending.peer)
                }
            }
            metrics.recordOutcomes(outcomes)
        }
        if !state.leasesToRelease.isEmpty {
            _ = try await store.releaseLeases(jobIDs: state.leasesToRelease, now: now)
            state.leasesReleased()
        }
        try await expireLeases(now: now)
        try await dispatch(now: now)
        if let logged {
            let rows = try await store.reminderLog(afterID: lastLoggedID, limit: 10_000)
            if let last = rows.last?.id {
                lastLoggedID = last
                logged(rows)
            }
        }
    }

    // MARK: Deadlines

    func nextDeadline() async throws -> Date? {
        let wait = state.wait()
        var candidates: [Date] = []
        if let fixed = wait.fixed { candidates.append(fixed) }
        if !wait.ready.isEmpty, let due = try await store.nextDueTime(channels: wait.ready, after: nil) {
            candidates.append(due)
        }
        if !wait.drained.isEmpty, let due = try await store.nextDueTime(channels: wait.drained, after: wait.drainedAt) {
            candidates.append(due)
        }
        // From the store, not from memory: it also knows leases this loop lost
        // track of (a turn that failed between leasing and handing out).
        storeLeaseExpiry = try await store.nextLeaseExpiry()
        if let storeLeaseExpiry { candidates.append(storeLeaseExpiry) }
        return candidates.min()
    }

    // MARK: Workers

    func handle(_ body: Herald_V1_WorkerMessage.OneOf_Body, from peer: Data) {
        carryOut(state.receive(body, from: peer, now: clock.now()))
    }

    /// Sends, logs and counts what the state decided.
    func carryOut(_ effects: [DispatchState.Effect]) {
        for effect in effects {
            switch effect {
            case .send(let body, let peer):
                send(body, to: peer)
            case .refuse(let reason, let peer, let detail, let instance):
                refusals.refuse(reason, peer: peer, detail, metadata: instance.map { ["instance": "\($0)"] } ?? [:])
            case .ignore(let deliveryID, let attempt, let reason, let peer):
                refusals.ignore(deliveryID: deliveryID, attempt: attempt, reason: reason, peer: peer)
            case .probeAnswered(let id, let result):
                if let probe = probeReplies.removeValue(forKey: id) {
                    probe.reply(.answered(result, elapsed: .now - probe.started))
                }
            case .probeLost(let id):
                probeReplies.removeValue(forKey: id)?.reply(.workerLeft)
            case .registered(let worker):
                logger.info(
                    "worker registered",
                    metadata: [
                        "channel": "\(worker.channel)", "provider": "\(worker.provider)",
                        "stands_in_for": "\(worker.standsInFor ?? "")", "instance": "\(worker.instanceID)",
                        "max_in_flight": "\(worker.maxInFlight)",
                    ])
                if let note = worker.note {
                    logger.warning("worker registered with a setting that has no effect", metadata: [
                        "instance": "\(worker.instanceID)", "note": "\(note)",
                    ])
                }
            case .left(let worker, let reason):
                logger.info("worker left", metadata: ["instance": "\(worker.instanceID)", "reason": "\(reason)"])
            case .silent(let worker):
                logger.warning(
                    "worker silent for 3 heartbeats; its deliveries go back to the queue",
                    metadata: ["instance": "\(worker.instanceID)", "in_flight": "\(worker.inFlight.count)"])
            case .recipientGone(let deliveryID):
                logger.notice(
                    "recipient gone; its webhook subscription or team destination is disabled",
                    metadata: ["delivery": "\(deliveryID)"])
            }
        }
    }

    func startProbe(_ delivery: Herald_V1_Delivery, reply: @escaping @Sendable (ProbeAnswer) -> Void) {
        guard let peer = state.startProbe(delivery) else {
            reply(.noWorker(channel: delivery.channel))
            return
        }
        send(.delivery(delivery), to: peer)
        probeReplies[delivery.deliveryID] = (started: .now, reply: reply)
    }

    /// Sends `Shutdown` to every registered worker; called once the loop has stopped.
    /// What they hold needs no answer: the next core returns every lease at start.
    /// - Returns: the peers told.
    func announceShutdown(reason: String) -> Set<Data> {
        let peers = Set(state.workers.keys)
        guard !peers.isEmpty else { return [] }
        let frame = message(.shutdown(.with { $0.reason = reason }))
        for peer in peers { endpoint.send(to: peer, frames: [frame]) }
        logger.info("told the workers this core is shutting down", metadata: ["workers": "\(peers.count)"])
        return peers
    }

    /// Waits, in real time, until every peer in `told` said `Goodbye` or the
    /// configuration's `shutdownGrace` passed; other messages are dropped now.
    func awaitGoodbyes(from told: Set<Data>, mailbox: Mailbox<Dispatcher.Input>) async {
        var waiting = told
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while !waiting.isEmpty, !Task.isCancelled, ContinuousClock.now < deadline {
            for case .message(let peer, .goodbye) in mailbox.drain() { waiting.remove(peer) }
            if waiting.isEmpty { break }
            await mailbox.wait(sleep: { try? await Task.sleep(until: deadline, clock: .continuous) })
        }
        if !waiting.isEmpty {
            logger.notice(
                "closing the channel endpoint without the Goodbye of some workers",
                metadata: ["workers": "\(waiting.count)", "grace": "\(configuration.shutdownGrace)"])
        }
    }

    func expireLeases(now: Date) async throws {
        guard let expiry = storeLeaseExpiry, expiry <= now else { return }
        storeLeaseExpiry = nil
        let count = try await store.expireLeases(now: now)
        if count > 0 {
            logger.warning("leases expired; deliveries go back to the queue", metadata: ["jobs": "\(count)"])
        }
    }

    // MARK: Hand-out

    func dispatch(now: Date) async throws {
        let handOut = state.handOutCandidates()
        // A read (concurrent with booking writes in WAL) before the lease, which is a
        // write: most wake-ups after a booking write find nothing due for most channels.
        var nothingDue: Set<String> = []
        for channel in handOut.channels {
            if let due = try await store.nextDueTime(channels: [channel], after: nil), due <= now { continue }
            nothingDue.insert(channel)
        }
        state.beginHandOut(now: now, nothingDue: nothingDue)
        var drainedPools: Set<String> = []
        var settingsCache: [String: NotificationSettings] = [:]
        var eventTypeCache: [String: EventType?] = [:]
        var templateCache: [String: [MessageTemplate]] = [:]
        let check = sendTimeCheck
        for candidate in handOut.candidates {
            guard !nothingDue.contains(candidate.channel), !drainedPools.contains(candidate.pool),
                let query = state.leaseQuery(for: candidate.peer, now: now, presentProviders: handOut.presentProviders)
            else { continue }
            let batch = try await store.leaseDueJobs(query) { check.decide($0, now: now) }
            metrics.recordLease(
                channel: candidate.channel, provider: candidate.provider, leased: batch.leased.count, missed: batch.missed)
            if batch.cancelled + batch.missed > 0 {
                logger.info("jobs not sent at send time", metadata: ["cancelled": "\(batch.cancelled)", "missed": "\(batch.missed)"])
            }
            if batch.leased.count < query.limit { drainedPools.insert(candidate.pool) }
            var prepared: [DeliveryInput] = []
            prepared.reserveCapacity(batch.leased.count)
            for leased in batch.leased {
                let settings = try await cached(&settingsCache, leased.job.tenantID) { try await store.settings(tenantID: $0) }
                let eventType: EventType? =
                    if let id = leased.booking.eventTypeID {
                        try await cachedOptional(&eventTypeCache, leased.job.tenantID + "/" + id) { _ in
                            try await store.eventType(tenantID: leased.job.tenantID, id: id)
                        }
                    } else { nil }
                let templates = try await cached(&templateCache, leased.job.tenantID) { try await store.templates(tenantID: $0) }
                let template = templates?.first { $0.kind == leased.job.kind && $0.channel == leased.job.channel }
                prepared.append(DeliveryInput(
                    leased: leased, provider: candidate.jobProvider, settings: settings, eventType: eventType, template: template))
            }
            let deliveries = await Self.makeDeliveries(prepared, renderer: renderer)
            state.handedOut(batch.leased, to: candidate.peer, query: query)
            for delivery in deliveries { send(.delivery(delivery), to: candidate.peer) }
        }
    }

    /// What a delivery is made of, gathered on the loop (it may need the store).
    struct DeliveryInput: Sendable {
        var leased: LeasedJob
        /// The worker's provider, for jobs that name none.
        var provider: String
        var settings: NotificationSettings?
        var eventType: EventType?
        var template: MessageTemplate?
    }

    /// Builds (renders) a leased batch's deliveries, in input order. Rendering is
    /// most of a delivery's cost and needs nothing of the loop's state, so a large
    /// batch is split in two and half of it rendered on another thread: the loop
    /// otherwise keeps one core busy while the other waits.
    static func makeDeliveries(_ inputs: [DeliveryInput], renderer: MessageRenderer) async -> [Herald_V1_Delivery] {
        func build(_ slice: ArraySlice<DeliveryInput>) -> [Herald_V1_Delivery] {
            slice.map {
                makeDelivery(
                    $0.leased, provider: $0.provider, settings: $0.settings, eventType: $0.eventType,
                    template: $0.template, renderer: renderer)
            }
        }
        guard inputs.count >= 64 else { return build(inputs[...]) }
        let middle = inputs.count / 2
        async let head = build(inputs[..<middle])
        let tail = build(inputs[middle...])
        return await head + tail
    }

    static func makeDelivery(
        _ leased: LeasedJob, provider: String, settings: NotificationSettings?, eventType: EventType?,
        template: MessageTemplate?, renderer: MessageRenderer
    ) -> Herald_V1_Delivery {
        let job = leased.job
        let booking = leased.booking
        return .with {
            $0.deliveryID = job.id
            $0.attempt = UInt32(job.attempt)
            $0.tenantID = job.tenantID
            $0.bookingID = job.bookingID
            $0.kind = job.kind.proto
            $0.channel = job.channel
            $0.provider = job.provider ?? provider
            $0.recipient = .with { recipient in
                switch job.kind {
                case .hostNotification, .webhook: break
                default: recipient.name = booking.customerName
                }
                switch job.channel {
                case "email": recipient.email = job.recipient
                case "sms", "whatsapp": recipient.phone = job.recipient
                default: break
                }
                recipient.address = job.recipient
            }
            if job.kind == .webhook, let subscription = leased.subscription, let event = leased.event {
                $0.webhook = .with { webhook in
                    webhook.subscriptionID = subscription.id
                    webhook.url = subscription.url
                    webhook.secret = subscription.secret
                    webhook.body = WebhookPayload.body(for: event)
                    webhook.eventType = event.type.rawValue
                }
            } else if let settings {
                $0.message = renderer.render(
                    kind: job.kind, channel: job.channel, booking: booking, settings: settings, eventType: eventType,
                    reminderOffsetMinutes: job.reminderOffsetMinutes, template: template)
            }
            if let notAfter = job.notAfter { $0.notAfterMs = Int64(notAfter.timeIntervalSince1970 * 1000) }
            $0.reminderOffsetMinutes = UInt32(job.reminderOffsetMinutes)
            $0.scheduleVersion = UInt32(job.scheduleVersion)
        }
    }

    // MARK: Helpers

    /// Sleeps on the injected clock, so tests move time instead of waiting for it.
    func sleeper(until deadline: Date?) -> (@Sendable () async -> Void)? {
        guard let deadline else { return nil }
        let clock = clock
        return { await clock.sleep(until: deadline) }
    }

    func send(_ body: Herald_V1_CoreMessage.OneOf_Body, to peer: Data) {
        endpoint.send(to: peer, frames: [message(body)])
    }

    func message(_ body: Herald_V1_CoreMessage.OneOf_Body) -> Data {
        (try? Herald_V1_CoreMessage.with { $0.body = body }.serializedData()) ?? Data()
    }

    private func cached<Value>(
        _ cache: inout [String: Value], _ key: String, _ load: (String) async throws -> Value?
    ) async throws -> Value? {
        if let value = cache[key] { return value }
        let value = try await load(key)
        if let value { cache[key] = value }
        return value
    }

    private func cachedOptional<Value>(
        _ cache: inout [String: Value?], _ key: String, _ load: (String) async throws -> Value?
    ) async throws -> Value? {
        if let value = cache[key] { return value }
        let value = try await load(key)
        cache[key] = value
        return value
    }
}
