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
    let coreVersion: String
    let logger: Logger
    let metrics: HeraldMetrics
    let refusals: ChannelRefusals
    let sendTimeCheck: SendTimeCheck
    let renderer = MessageRenderer()
    var publish: (@Sendable ([WorkerSnapshot]) -> Void)?
    var logged: (@Sendable ([ReminderLogEntry]) -> Void)?
    /// The newest ReminderLog row handed to `logged`.
    var lastLoggedID: Int64 = 0

    var workers: [Data: ConnectedWorker] = [:]
    var inFlight: [String: InFlightDelivery] = [:]
    /// One-off deliveries (webhook test pings) awaiting their result.
    var probes: [String: PendingProbe] = [:]
    /// Results not yet committed (kept across a failed store call).
    var pendingResults: [PendingResult] = []
    var nextHeartbeat = Date.distantPast

    init(
        store: any DispatchStore, endpoint: RouterEndpoint, clock: any WallClock,
        configuration: DispatcherConfiguration, coreVersion: String, logger: Logger, metrics: HeraldMetrics,
        refusals: ChannelRefusals
    ) {
        self.store = store
        self.endpoint = endpoint
        self.clock = clock
        self.configuration = configuration
        self.coreVersion = coreVersion
        self.logger = logger
        self.metrics = metrics
        self.refusals = refusals
        self.sendTimeCheck = SendTimeCheck(lateGrace: configuration.lateGrace)
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
                case .probeTimedOut(let deliveryID): abandonProbe(deliveryID)
                }
            }
            do {
                try await turn()
                publish?(snapshot())
                let deadline = try await nextDeadline()
                logger.trace("turn done", metadata: [
                    "sleep_until": "\(deadline.map(Timestamp.format) ?? "-")", "drained": "\(drainedChannels.sorted())",
                ])
                if let deadline, deadline <= clock.now() { continue }
                await mailbox.wait(sleep: sleeper(until: deadline))
            } catch {
                if Task.isCancelled { break }
                // The store failed (disk full, locked): keep the state, try again in a
                // second of real time (the injected clock is for schedules, not for this).
                // Results not yet stored stay in `pendingResults`, and nothing new is
                // handed out until they are: the turn stops at the first failed write.
                if case .unavailable? = error as? StoreError {
                    // Its ``StoreHealth`` logged the outage once; this repeats every second.
                    logger.debug("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(error)"])
                } else {
                    logger.error("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(String(reflecting: error))"])
                }
                await mailbox.wait(sleep: { try? await Task.sleep(for: .seconds(1)) })
            }
        }
        logger.info("dispatcher stopped", metadata: ["workers": "\(workers.count)", "in_flight": "\(inFlight.count)"])
    }

    /// One turn: heartbeat, commit results, retire dead workers and expired leases,
    /// and hand out what is due.
    func turn() async throws {
        let now = clock.now()
        // First, so that workers keep hearing from the core while the store fails.
        if now >= nextHeartbeat {
            let beat = message(.heartbeat(.with { $0.sentAtMs = Int64(now.timeIntervalSince1970 * 1000) }))
            for peer in workers.keys { endpoint.send(to: peer, frames: [beat]) }
            nextHeartbeat = now.addingTimeInterval(configuration.heartbeatInterval)
        }
        if !pendingResults.isEmpty {
            let batch = pendingResults
            let dispositions = try await store.applyResults(batch.map(\.result))
            pendingResults.removeAll()
            var outcomes: [DeliveryOutcome] = []
            outcomes.reserveCapacity(batch.count)
            for (pending, disposition) in zip(batch, dispositions) {
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
        try await retireSilentWorkers(now: now)
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

    /// Channels whose last lease came back short: nothing more was due for them at
    /// `drainedAt`, so only their jobs due after that count for the next deadline.
    var drainedChannels: Set<String> = []
    /// The time the last hand-out looked at. Not a fresh reading of the clock: a job
    /// that fell due between the two would be missed until the next heartbeat.
    var drainedAt = Date.distantPast

    func nextDeadline() async throws -> Date? {
        let now = clock.now()
        var candidates: [Date] = []
        if !workers.isEmpty {
            candidates.append(nextHeartbeat)
            let oldest = workers.values.map(\.lastHeardAt).min() ?? now
            candidates.append(oldest.addingTimeInterval(3 * configuration.heartbeatInterval))
        }
        let withCredit = Set(workers.values.filter { $0.freeCredit > 0 }.map(\.channel))
        let ready = withCredit.subtracting(drainedChannels)
        if !ready.isEmpty, let due = try await store.nextDueTime(channels: ready, after: nil) {
            candidates.append(due)
        }
        let drained = withCredit.intersection(drainedChannels)
        if !drained.isEmpty, let due = try await store.nextDueTime(channels: drained, after: drainedAt) {
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
        let now = clock.now()
        workers[peer]?.lastHeardAt = now
        switch body {
        case .register(let register):
            self.register(register, from: peer, now: now)
        case .heartbeat:
            if workers[peer] == nil {
                // A worker of a core that restarted: it must register again.
                refusals.refuse(.notRegistered, peer: peer, "heartbeat before Register")
                send(.reject(.with { $0.reason = "not registered: send Register first" }), to: peer)
            }
        case .result(let result):
            accept(result, from: peer, now: now)
        case .goodbye(let goodbye):
            if let worker = workers.removeValue(forKey: peer) {
                logger.info("worker left", metadata: ["instance": "\(worker.instanceID)", "reason": "\(goodbye.reason)"])
                releaseLater(worker)
            } else {
                refusals.refuse(.notRegistered, peer: peer, "goodbye before Register")
            }
        }
    }

    func register(_ register: Herald_V1_Register, from peer: Data, now: Date) {
        let note: String?
        switch RegisterCheck.check(register) {
        case .reject(let problem):
            refusals.refuse(
                .invalidRegister, peer: peer, problem, metadata: ["instance": "\(register.instanceID.prefix(200))"])
            send(.reject(.with { $0.reason = problem }), to: peer)
            return
        case .admit(let warning):
            note = warning
        }
        // The same instance on a new connection has reconnected: the old one is gone.
        for (oldPeer, worker) in workers where worker.instanceID == register.instanceID && oldPeer != peer {
            workers.removeValue(forKey: oldPeer)
            releaseLater(worker)
        }
        if let previous = workers[peer] { releaseLater(previous) }
        workers[peer] = ConnectedWorker(
            peer: peer, channel: register.channel, provider: register.provider,
            standsInFor: register.standsInFor.isEmpty ? nil : register.standsInFor, instanceID: register.instanceID,
            pluginVersion: register.pluginVersion, maxInFlight: Int(register.maxInFlight), connectedAt: now,
            lastHeardAt: now, note: note)
        drainedChannels.remove(register.channel)
        send(
            .welcome(.with {
                $0.heartbeatIntervalMs = UInt32(configuration.heartbeatInterval * 1000)
                $0.leaseMs = UInt32(configuration.leaseDuration * 1000)
                $0.coreVersion = coreVersion
            }), to: peer)
        logger.info(
            "worker registered",
            metadata: [
                "channel": "\(register.channel)", "provider": "\(register.provider)",
                "stands_in_for": "\(register.standsInFor)", "instance": "\(register.instanceID)", "max_in_flight": "\(register.maxInFlight)",
            ])
        if let note {
            logger.warning("worker registered with a setting that has no effect", metadata: [
                "instance": "\(register.instanceID)", "note": "\(note)",
            ])
        }
    }

    /// Sends `Shutdown` to every registered worker; called once the loop has stopped.
    /// What they hold needs no answer: the next core returns every lease at start.
    /// - Returns: the peers told.
    func announceShutdown(reason: String) -> Set<Data> {
        guard !workers.isEmpty else { return [] }
        let frame = message(.shutdown(.with { $0.reason = reason }))
        for peer in workers.keys { endpoint.send(to: peer, frames: [frame]) }
        logger.info("told the workers this core is shutting down", metadata: ["workers": "\(workers.count)"])
        return Set(workers.keys)
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

    /// Jobs a departed worker held go back to the queue at the next turn.
    var leasesToRelease: [String] = []

    func releaseLater(_ worker: ConnectedWorker) {
        failProbes(of: worker.peer)
        // Only what is still this worker's: a job whose lease expired while it held
        // it may since have gone to another worker.
        for jobID in worker.inFlight where inFlight[jobID]?.peer == worker.peer {
            inFlight.removeValue(forKey: jobID)
            leasesToRelease.append(jobID)
        }
    }

    func retireSilentWorkers(now: Date) async throws {
        let limit = 3 * configuration.heartbeatInterval
        for (peer, worker) in workers where now.timeIntervalSince(worker.lastHeardAt) > limit {
            workers.removeValue(forKey: peer)
            logger.warning(
                "worker silent for 3 heartbeats; its deliveries go back to the queue",
                metadata: ["instance": "\(worker.instanceID)", "in_flight": "\(worker.inFlight.count)"])
            releaseLater(worker)
        }
        if !leasesToRelease.isEmpty {
            let jobs = leasesToRelease
            _ = try await store.releaseLeases(jobIDs: jobs, now: now)
            leasesToRelease.removeAll()
        }
    }

    /// The earliest lease expiry in the store, as of the last deadline computed.
    var storeLeaseExpiry: Date?

    func expireLeases(now: Date) async throws {
        // The job goes back to the queue, but it keeps taking up the worker's credit
        // until the worker answers or is found dead: a hung worker gets no more work.
        for delivery in inFlight.values where delivery.leaseExpiresAt <= now {
            inFlight.removeValue(forKey: delivery.jobID)
        }
        guard let expiry = storeLeaseExpiry, expiry <= now else { return }
        storeLeaseExpiry = nil
        let count = try await store.expireLeases(now: now)
        if count > 0 {
            logger.warning("leases expired; deliveries go back to the queue", metadata: ["jobs": "\(count)"])
        }
    }

    // MARK: Results

    /// Results for deliveries their sender does not hold, per peer: late answers
    /// are normal, thousands a second from one connection are not, and each costs
    /// the store a lookup.
    var strangerResults = PeerRateLimiter(burst: 1000, perSecond: 100)

    /// Takes in a worker's result, or refuses it (counted and logged).
    ///
    /// A result is for a delivery its sender holds (handed to it and not yet
    /// answered, even past its lease), or it is a stranger: a late answer after
    /// the lease went to another worker, one from before a restart, or a lie.
    /// Strangers for a delivery another worker holds now are ignored: only the
    /// holder's answer counts. Others go to the store, which applies them only if
    /// the job is still at that attempt and has no newer holder.
    func accept(_ received: Herald_V1_Result, from peer: Data, now: Date) {
        if let problem = received.problem {
            refusals.refuse(.invalidResult, peer: peer, problem, metadata: [
                "delivery": "\(received.deliveryID.prefix(Herald_V1_Result.maxDeliveryID))", "attempt": "\(received.attempt)",
            ])
            giveBack(received.deliveryID, from: peer)
            return
        }
        let result = received.bounded
        if finishProbe(result, from: peer) { return }
        let held = workers[peer]?.inFlight.contains(result.deliveryID) ?? false
        // An answer frees the worker's credit, even a late one for an expired lease.
        workers[peer]?.inFlight.remove(result.deliveryID)
        if !held {
            guard strangerResults.admit(peer) else {
                refusals.refuse(.rateLimited, peer: peer, "results for deliveries it does not hold, too fast")
                return
            }
            if let holder = inFlight[result.deliveryID], holder.peer != peer {
                refusals.ignore(
                    deliveryID: result.deliveryID, attempt: Int(result.attempt), reason: "other worker holds it", peer: peer)
                return
            }
        }
        let attempt = Int(result.attempt)
        let known = inFlight[result.deliveryID].flatMap { $0.attempt == attempt && $0.peer == peer ? $0 : nil }
        if let known { inFlight.removeValue(forKey: known.jobID) }
        let provider = result.provider.isEmpty ? (workers[peer]?.provider ?? "") : result.provider
        let error = [result.errorCode, result.errorMessage].filter { !$0.isEmpty }.joined(separator: ": ")
        let resolution: JobResolution
        switch result.outcome {
        case .sent:
            resolution = .sent(provider: provider, providerMessageID: result.providerMessageID.isEmpty ? nil : result.providerMessageID)
        case .failed:
            resolution = .failed(provider: provider, error: error.isEmpty ? "failed" : error, recipientGone: result.recipientGone)
            if result.recipientGone {
                logger.notice(
                    "recipient gone; its webhook subscription or team destination is disabled",
                    metadata: ["delivery": "\(result.deliveryID)"])
            }
        case .retry, .unspecified, .UNRECOGNIZED:
            let retryAfter = result.retryAfterMs > 0 ? TimeInterval(result.retryAfterMs) / 1000 : nil
            let policy = known?.kind == .webhook ? configuration.webhookRetry : configuration.retry
            let decision = policy.decide(
                attempt: attempt, dueAt: known?.dueAt ?? now, notAfter: known?.notAfter, retryAfter: retryAfter, now: now)
            switch decision {
            case .retry(let at):
                let failover = (known?.hasFallbackProvider ?? false) && attempt >= configuration.retry.failoverAfterAttempt
                resolution = .retry(at: at, provider: provider, error: error.isEmpty ? "retry" : error, switchToFallback: failover)
            case .giveUp(let reason):
                resolution = .failed(provider: provider, error: (error.isEmpty ? "" : error + "; ") + reason)
            }
        }
        // Results this core did not hand out (e.g. before a restart) still go to the
        // store, which applies them only if the job is still at that attempt.
        let counted: DeliveryOutcome.Resolution =
            switch resolution {
            case .sent: .sent
            case .failed: .failed
            case .retry: .retried
            }
        let pool = workers[peer].map { (channel: $0.channel, provider: $0.provider) }
        pendingResults.append(PendingResult(
            result: JobResult(jobID: result.deliveryID, attempt: attempt, resolution: resolution, at: now), peer: peer,
            outcome: DeliveryOutcome(
                resolution: counted, channel: pool?.channel ?? "unknown", provider: pool?.provider ?? provider,
                lateness: known.map { now.timeIntervalSince($0.dueAt) })))
    }

    /// A delivery its holder answered with an impossible result goes back to the
    /// queue now (to be handed out again as the next attempt) instead of waiting
    /// out its lease; the holder's credit is freed.
    func giveBack(_ deliveryID: String, from peer: Data) {
        guard let held = inFlight[deliveryID], held.peer == peer else { return }
        inFlight.removeValue(forKey: deliveryID)
        workers[peer]?.inFlight.remove(deliveryID)
        leasesToRelease.append(deliveryID)
    }

    // MARK: Hand-out

    func dispatch(now: Date) async throws {
        drainedChannels.removeAll()
        drainedAt = now
        var drainedPools: Set<String> = []
        let present = Dictionary(grouping: workers.values, by: \.channel).mapValues { Set($0.map(\.jobProvider)) }
        let ordered = workers.values.filter { $0.freeCredit > 0 }.sorted { $0.freeCredit > $1.freeCredit }
        // A read (concurrent with booking writes in WAL) before the lease, which is a
        // write: most wake-ups after a booking write find nothing due for most channels.
        var dueChannels: Set<String> = []
        for channel in Set(ordered.map(\.channel)) {
            if let due = try await store.nextDueTime(channels: [channel], after: nil), due <= now {
                dueChannels.insert(channel)
            } else {
                drainedChannels.insert(channel)
            }
        }
        var settingsCache: [String: NotificationSettings] = [:]
        var eventTypeCache: [String: EventType?] = [:]
        var templateCache: [String: [MessageTemplate]] = [:]
        let check = sendTimeCheck
        for candidate in ordered {
            guard dueChannels.contains(candidate.channel), !drainedPools.contains(candidate.pool),
                let worker = workers[candidate.peer]
            else { continue }
            let limit = min(worker.freeCredit, configuration.batchSize)
            let query = LeaseQuery(
                channel: worker.channel, provider: worker.jobProvider,
                presentProviders: present[worker.channel] ?? [], limit: limit, now: now,
                leaseUntil: now.addingTimeInterval(configuration.leaseDuration), leasedTo: worker.instanceID)
            let batch = try await store.leaseDueJobs(query) { check.decide($0, now: now) }
            metrics.recordLease(channel: worker.channel, provider: worker.provider, leased: batch.leased.count, missed: batch.missed)
            if batch.cancelled + batch.missed > 0 {
                logger.info("jobs not sent at send time", metadata: ["cancelled": "\(batch.cancelled)", "missed": "\(batch.missed)"])
            }
            if batch.leased.count < limit {
                drainedPools.insert(worker.pool)
                drainedChannels.insert(worker.channel)
            }
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
                    leased: leased, provider: worker.jobProvider, settings: settings, eventType: eventType, template: template))
            }
            let deliveries = await Self.makeDeliveries(prepared, renderer: renderer)
            for (leased, delivery) in zip(batch.leased, deliveries) {
                send(.delivery(delivery), to: worker.peer)
                workers[worker.peer]?.inFlight.insert(leased.job.id)
                inFlight[leased.job.id] = InFlightDelivery(
                    jobID: leased.job.id, attempt: leased.job.attempt, peer: worker.peer, kind: leased.job.kind,
                    dueAt: leased.job.dueAt, notAfter: leased.job.notAfter,
                    leaseExpiresAt: leased.job.leaseExpiresAt ?? query.leaseUntil,
                    hasFallbackProvider: leased.job.fallbackProvider != nil)
            }
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

    func snapshot() -> [WorkerSnapshot] {
        workers.values.map {
            WorkerSnapshot(
                channel: $0.channel, provider: $0.provider, instanceID: $0.instanceID, pluginVersion: $0.pluginVersion,
                maxInFlight: $0.maxInFlight, inFlight: $0.inFlight.count, connectedAt: $0.connectedAt,
                lastHeardAt: $0.lastHeardAt, note: $0.note ?? "")
        }
        .sorted { ($0.channel, $0.provider, $0.instanceID) < ($1.channel, $1.provider, $1.instanceID) }
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
