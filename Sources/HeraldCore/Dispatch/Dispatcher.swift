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
    /// - Parameter logged: called after each turn with the ReminderLog rows it wrote
    ///   (results, send-time checks), as written, for the live event stream; must not block.
    /// - Parameter deliveryChanged: called after each turn with the `sent` rows whose
    ///   delivery status a receipt moved forward, with their new ``ReminderLogEntry/delivery``;
    ///   must not block.
    public init(
        store: any DispatchStore, endpoint: RouterEndpoint, clock: any WallClock,
        configuration: DispatcherConfiguration, coreVersion: String, logger: Logger,
        metrics: HeraldMetrics = HeraldMetrics(),
        logged: (@Sendable ([ReminderLogEntry]) -> Void)? = nil,
        deliveryChanged: (@Sendable ([ReminderLogEntry]) -> Void)? = nil,
        replied: (@Sendable ([InboundMessage]) -> Void)? = nil,
        links: LinkMaker? = nil
    ) {
        self.endpoint = endpoint
        let refusals = ChannelRefusals(logger: logger, metrics: metrics)
        self.refusals = refusals
        self.heartbeatInterval = configuration.heartbeatInterval
        let loop = DispatchLoop(
            store: store, endpoint: endpoint, clock: clock, configuration: configuration,
            coreVersion: coreVersion, logger: logger, metrics: metrics, refusals: refusals, links: links)
        loop.logged = logged
        loop.deliveryChanged = deliveryChanged
        loop.replied = replied
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
            let courier = box.value.courier
            async let couriered: Void = courier.run()
            await cancelWhenGracefulShutdown {
                await box.value.run(mailbox: mailbox)
            }
            // What the last turns leased still goes out, before Shutdown.
            courier.finish()
            await couriered
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
    /// Renders and sends what a turn leased, while the loop goes on.
    let courier: DeliveryCourier
    /// When results wait for the next turn instead of making their own.
    let resultHold: ResultHold
    /// Tells ahead of time of messages pacing will hold past their deadline.
    let pacingWatch: PacingWatch
    var publish: (@Sendable ([WorkerSnapshot]) -> Void)?
    var logged: (@Sendable ([ReminderLogEntry]) -> Void)?
    var deliveryChanged: (@Sendable ([ReminderLogEntry]) -> Void)?
    /// Customers' messages that are not opt-outs, once stored (reply keywords); must not block.
    var replied: (@Sendable ([InboundMessage]) -> Void)?

    /// Every decision about workers and deliveries; this loop only carries them out.
    var state: DispatchState
    /// The callers of probes in flight, by delivery id (the state knows their holders).
    var probeReplies: [String: (started: ContinuousClock.Instant, reply: @Sendable (ProbeAnswer) -> Void)] = [:]
    /// The earliest lease expiry in the store, as of the last turn.
    var storeLeaseExpiry: Date?

    init(
        store: any DispatchStore, endpoint: RouterEndpoint, clock: any WallClock,
        configuration: DispatcherConfiguration, coreVersion: String, logger: Logger, metrics: HeraldMetrics,
        refusals: ChannelRefusals, links: LinkMaker? = nil
    ) {
        self.store = store
        self.endpoint = endpoint
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.refusals = refusals
        self.sendTimeCheck = SendTimeCheck(lateGrace: configuration.lateGrace)
        self.courier = DeliveryCourier(endpoint: endpoint, renderer: MessageRenderer(), links: links)
        self.resultHold = ResultHold(maximum: configuration.resultHold)
        self.pacingWatch = PacingWatch(store: store, check: sendTimeCheck, metrics: metrics, logger: logger)
        self.state = DispatchState(configuration: configuration, coreVersion: coreVersion)
    }

    func run(mailbox: Mailbox<Dispatcher.Input>) async {
        // No worker holds anything a previous run of the core handed out.
        do {
            let released = try await store.releaseAllLeases(now: clock.now())
            if released > 0 { logger.notice("returned deliveries leased before the restart to the queue", metadata: ["jobs": "\(released)"]) }
        } catch {
            logger.error("cannot release old leases", metadata: ["error": "\(error)"])
        }

        // The last turn's deadline; whether something other than results and heartbeats
        // arrived since; and since when the oldest uncommitted result waits.
        var deadline: Date?
        var urgent = true
        var holdingSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            let (inputs, nudged) = mailbox.take()
            if nudged { urgent = true }
            for input in inputs {
                switch input {
                case .message(let peer, let body):
                    switch body {
                    case .result, .report, .heartbeat: break
                    default: urgent = true
                    }
                    handle(body, from: peer)
                case .probe(let delivery, let reply): startProbe(delivery, reply: reply)
                case .probeTimedOut(let deliveryID):
                    state.abandonProbe(deliveryID)
                    probeReplies.removeValue(forKey: deliveryID)
                }
            }
            let pending = state.resultsToStore.count + state.pendingReports.count
            if pending > 0, holdingSince == nil { holdingSince = .now }
            if let wait = resultHold.wait(
                pending: pending, urgent: urgent,
                untilDeadline: deadline.map { .milliseconds(Int64($0.timeIntervalSince(clock.now()) * 1000)) },
                held: holdingSince.map { .now - $0 } ?? .zero)
            {
                await mailbox.wait(sleep: { try? await Task.sleep(for: wait) })
                continue
            }
            do {
                urgent = true // until the turn succeeds
                deadline = try await turn()
                urgent = false
                holdingSince = nil
                publish?(state.snapshot)
                logger.trace("turn done", metadata: [
                    "sleep_until": "\(deadline.map(Timestamp.format) ?? "-")", "drained": "\(state.drainedChannels.sorted())",
                ])
                if let deadline, deadline <= clock.now() { continue }
                await mailbox.wait(sleep: sleeper(until: deadline))
            } catch {
                if Task.isCancelled { break }
                // The store failed (disk full, locked): keep the state, try again in a
                // second of real time (the injected clock is for schedules, not for this).
                // The turn is one transaction, so none of it happened: results stay
                // pending, leases to give back stay queued, and nothing was handed out.
                if case .unavailable? = error as? StoreError {
                    // Its ``StoreHealth`` logged the outage once; this repeats every second.
                    logger.debug("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(error)"])
                } else {
                    logger.error("dispatch turn failed; retrying in 1 s", metadata: ["error": "\(String(reflecting: error))"])
                }
                await mailbox.wait(sleep: { try? await Task.sleep(for: .seconds(1)) })
            }
        }
        // Results held for the next turn are committed now: their jobs were sent, and
        // left leased they would go out again after the restart. (In a task of its own:
        // this one is cancelled, and GRDB refuses to start work for a cancelled task.)
        if !state.resultsToStore.isEmpty {
            let results = state.resultsToStore
            let store = store
            let toApply = results.map(\.result)
            do {
                let applied = try await Task { try await store.applyResults(toApply) }.value
                state.resultsStored()
                recordResults(results, applied.dispositions)
                if let logged, !applied.logged.isEmpty { logged(applied.logged) }
            } catch {
                logger.error("cannot commit the last results", metadata: ["results": "\(results.count)", "error": "\(error)"])
            }
        }
        logger.info("dispatcher stopped", metadata: [
            "workers": "\(state.workers.count)", "in_flight": "\(state.inFlight.count)",
        ])
    }

    /// One turn: heartbeats and dead workers, then one trip to the store that commits
    /// results, gives back leases of departed workers and expired leases, and leases
    /// what is due for every worker with credit; the courier then renders and sends.
    /// - Returns: when the next turn is due (nil: only when woken).
    func turn() async throws -> Date? {
        let now = clock.now()
        // First, so that workers keep hearing from the core while the store fails.
        carryOut(state.tick(now: now))
        let results = state.resultsToStore
        let handOut = state.handOutCandidates()
        var allocated: [String: Int] = [:]
        var asks: [(ConnectedWorker, LeaseQuery)] = []
        state.beginAsking()
        for worker in handOut.candidates {
            if let query = state.leaseQuery(
                for: worker.peer, now: now, presentProviders: handOut.presentProviders, allocated: &allocated)
            {
                asks.append((worker, query))
            }
        }
        let reports = state.pendingReports
        let parked = Array(state.parkedDue(by: now))
        let request = DispatchTurn(
            now: now, results: results.map(\.result),
            receipts: reports.flatMap(\.receipts) + parked.map(\.receipt), inbound: reports.flatMap(\.inbound),
            releases: state.leasesToRelease,
            expireLeases: storeLeaseExpiry.map { $0 <= now } ?? false, leases: asks.map(\.1),
            watched: Set(handOut.candidates.map(\.channel)))
        let check = sendTimeCheck
        let outcome = try await store.dispatchTurn(request) { check.decide($0, now: now) }

        state.resultsStored()
        state.reportsStored()
        state.parkedRetried(parked.count)
        state.leasesReleased()
        storeLeaseExpiry = outcome.nextLeaseExpiry
        recordResults(results, outcome.results.dispositions)
        acknowledge(reports, parked: parked, outcome.receipts, now: now)
        recordInbound(reports.flatMap(\.inbound), outcome.inbound)
        if outcome.expired > 0 {
            logger.warning("leases expired; deliveries go back to the queue", metadata: ["jobs": "\(outcome.expired)"])
        }
        state.beginHandOut(now: now)
        var handedOut: [DeliveryCourier.Batch] = []
        for ((worker, query), batch) in zip(asks, outcome.batches) {
            metrics.recordLease(
                channel: worker.channel, provider: worker.provider, leased: batch.leased.count, missed: batch.missed)
            if batch.cancelled + batch.missed + batch.skipped > 0 {
                logger.info("jobs not sent at send time", metadata: [
                    "cancelled": "\(batch.cancelled)", "missed": "\(batch.missed)", "skipped": "\(batch.skipped)",
                ])
            }
            state.handedOut(batch.leased, to: worker.peer, query: query)
            state.paced(batch.paced, of: worker.peer)
            state.spaced(batch.spaced, of: worker.peer)
            if !batch.leased.isEmpty {
                handedOut.append(DeliveryCourier.Batch(peer: worker.peer, provider: worker.jobProvider, leased: batch.leased))
            }
        }
        for batch in handedOut { courier.hand(batch) }
        let rows = outcome.logged
        if let logged, !rows.isEmpty { logged(rows) }
        if !state.pacedKeys.isEmpty {
            pacingWatch.lookIfDue(now: now, pacer: state.pacer) { state.waitingSenders }
        }
        return deadline(after: outcome)
    }

    /// Counts the outcomes the store applied; ignored ones are refused as stale.
    func recordResults(_ results: [PendingResult], _ dispositions: [ResultDisposition]) {
        guard !results.isEmpty else { return }
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

    /// Acknowledges stored reports to their workers, counts what their receipts did,
    /// and publishes the delivery statuses that moved forward. A receipt that matched
    /// no message is parked for one more try (its message's result may not have
    /// reached the core yet); the second time it is counted `unknown` and dropped.
    func acknowledge(
        _ reports: [PendingReport], parked: [ParkedReceipt], _ dispositions: [ReceiptDisposition], now: Date
    ) {
        guard !reports.isEmpty || !parked.isEmpty else { return }
        var next = dispositions.makeIterator()
        var changed: [ReminderLogEntry] = []
        func record(_ receipt: DeliveryReceipt, channel: String, peer: Data, _ disposition: ReceiptDisposition) {
            metrics.recordReceipt(channel: channel, provider: receipt.provider, disposition)
            switch disposition {
            case .updated(let entry):
                changed.append(entry)
            case .unknown:
                refusals.unknownReceipt(provider: receipt.provider, messageID: receipt.providerMessageID, peer: peer)
            case .unchanged:
                break
            }
        }
        for report in reports {
            for receipt in report.receipts {
                guard let disposition = next.next() else { break }
                if disposition == .unknown {
                    state.park(receipt, channel: report.channel, peer: report.peer, now: now)
                } else {
                    record(receipt, channel: report.channel, peer: report.peer, disposition)
                }
            }
            send(.reportAck(.with { $0.reportID = report.reportID }), to: report.peer)
        }
        for retried in parked {
            guard let disposition = next.next() else { break }
            record(retried.receipt, channel: retried.channel, peer: retried.peer, disposition)
        }
        if let deliveryChanged, !changed.isEmpty { deliveryChanged(changed) }
    }

    /// Counts customers' messages and logs the opt-outs and opt-ins they made.
    func recordInbound(_ messages: [InboundMessage], _ dispositions: [InboundDisposition]) {
        // Replies kept for the tenants' keywords (once each: a message the provider sent
        // again is a duplicate), for the admin service to act on.
        let replies = zip(messages, dispositions).compactMap { message, disposition in disposition == .reply ? message : nil }
        if let replied, !replies.isEmpty { replied(replies) }
        for (message, disposition) in zip(messages, dispositions) {
            metrics.recordInbound(channel: message.channel, provider: message.provider, disposition)
            switch disposition {
            case .optedOut(let tenants):
                logger.notice("a customer opted out", metadata: [
                    "channel": "\(message.channel)", "tenants": "\(tenants.joined(separator: ","))",
                ])
            case .optedIn(let tenants):
                logger.notice("a customer opted in again", metadata: [
                    "channel": "\(message.channel)", "tenants": "\(tenants.joined(separator: ","))",
                ])
            case .ignored, .duplicate, .reply:
                break
            }
        }
    }

    // MARK: Deadlines

    /// The earliest of what the state waits for (heartbeats, deaths), the next due
    /// job of the channels with credit (of drained ones, only those due after this
    /// turn), and the next lease expiry, which comes from the store: it also knows
    /// leases this loop lost track of (a turn that failed between leasing and handing out).
    func deadline(after outcome: DispatchTurnOutcome) -> Date? {
        let wait = state.wait()
        var candidates: [Date] = []
        if let fixed = wait.fixed { candidates.append(fixed) }
        for channel in wait.ready {
            if let due = outcome.nextDue[channel]?.earliest { candidates.append(due) }
        }
        for channel in wait.drained {
            if let due = outcome.nextDue[channel]?.afterNow { candidates.append(due) }
        }
        if let storeLeaseExpiry { candidates.append(storeLeaseExpiry) }
        if let parked = state.parkedReceipts.first { candidates.append(parked.retryAt) }
        // Jobs waiting for their sender's rate: the next token.
        if let paced = state.nextPaceAt(now: clock.now()) { candidates.append(paced) }
        return candidates.min()
    }

    // MARK: Workers

    func handle(_ body: Herald_V1_WorkerMessage.OneOf_Body, from peer: Data) {
        carryOut(state.receive(body, from: peer, now: clock.now()))
    }

    /// Keeps the worker's accounts in the store, for tenants to choose from and
    /// `herald account list` (whichever core the worker is connected to).
    private func remember(_ worker: ConnectedWorker) {
        let now = clock.now()
        let records = worker.accounts.map {
            // Under its own provider: an outbox standing in for Twilio must not replace
            // the real worker's senders.
            ProviderAccountRecord(
                channel: worker.channel, provider: worker.provider, name: $0.name, senders: $0.senders,
                ratePerSecond: $0.ratePerSecond, seenAt: now)
        }
        let (store, logger) = (store, logger)
        Task {
            do {
                try await store.recordAccounts(records)
            } catch {
                logger.warning("a worker's accounts could not be stored", metadata: ["instance": "\(worker.instanceID)", "error": "\(error)"])
            }
        }
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
                        "accounts": "\(worker.accounts.map(\.name).joined(separator: ","))",
                    ])
                remember(worker)
                if let note = worker.note {
                    logger.warning("worker registered with a setting that has no effect", metadata: [
                        "instance": "\(worker.instanceID)", "note": "\(note)",
                    ])
                }
            case .throttled(let key, let seconds):
                metrics.recordThrottled(sender: key)
                logger.notice("a provider throttled a sender; it waits", metadata: [
                    "sender": "\(key)", "seconds": "\(String(format: "%.1f", seconds))",
                ])
            case .accountsChanged(let worker):
                logger.info("worker's accounts changed", metadata: [
                    "instance": "\(worker.instanceID)", "accounts": "\(worker.accounts.map(\.name).joined(separator: ","))",
                ])
                remember(worker)
            case .left(let worker, let reason):
                logger.info("worker left", metadata: ["instance": "\(worker.instanceID)", "reason": "\(reason)"])
            case .silent(let worker):
                logger.warning(
                    "worker silent for 3 heartbeats; its deliveries go back to the queue",
                    metadata: ["instance": "\(worker.instanceID)", "in_flight": "\(worker.inFlight.count)"])
            case .callbacksRefused(let worker, let count):
                metrics.recordCallbacksRefused(channel: worker.channel, provider: worker.provider, count: count)
            case .recipientGone(let deliveryID):
                logger.notice(
                    "recipient gone: a webhook subscription or team destination is disabled, a customer is on the suppression list",
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

    func message(_ body: Herald_V1_CoreMessage.OneOf_Body) -> Data { body.frame }
}

extension Herald_V1_CoreMessage.OneOf_Body {
    /// The one frame of a core-to-worker message carrying this body.
    var frame: Data { (try? Herald_V1_CoreMessage.with { $0.body = self }.serializedData()) ?? Data() }
}
