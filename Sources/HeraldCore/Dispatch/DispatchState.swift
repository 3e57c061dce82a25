import Foundation
import HeraldProto

/// Every decision the dispatch loop makes about workers and deliveries, as a
/// value: the loop feeds it what happened (a worker's message, the time, jobs
/// leased, results stored) and carries out the ``Effect``s it returns. It does
/// no I/O and holds no socket or store, so its tests drive it
/// with plain values (see `DispatchStateTests` and its property test over random
/// interleavings).
///
/// What it decides: who is registered (and who replaced whom), credit, who has
/// been silent too long, which results count and what becomes of each (sent,
/// retry with backoff or failover, give up, ignored), which leases go back,
/// which worker asks for which jobs and in what order, and what the loop waits
/// for next. What it leaves to the loop: the store, rendering, the socket,
/// logging and metrics, and the reply closures of probes. Time comes in with
/// each input, except for the real-time rate limit on strangers' results.
struct DispatchState {
    let configuration: DispatcherConfiguration
    let coreVersion: String

    private(set) var workers: [Data: ConnectedWorker] = [:]
    private(set) var inFlight: [String: InFlightDelivery] = [:]
    /// One-off deliveries (webhook test pings) awaiting their result: id -> holder.
    private(set) var probes: [String: Data] = [:]
    /// Results waiting to be stored (kept across a failed store call).
    private(set) var pendingResults: [PendingResult] = []
    /// Workers' reports (delivery receipts) waiting to be stored, then acknowledged.
    private(set) var pendingReports: [PendingReport] = []
    /// Receipts the store found no message for, tried once more a little later, in
    /// the order they are due: a provider's callback can overtake the worker's result
    /// for the same message (it reaches the core on another path), and its first
    /// turn then comes before the `sent` row exists.
    private(set) var parkedReceipts: [ParkedReceipt] = []
    /// Jobs departed workers held, to go back to the queue at the next turn.
    private(set) var leasesToRelease: [String] = []
    private(set) var nextHeartbeat = Date.distantPast
    /// Channels whose last lease came back short: nothing more was due for them at
    /// `drainedAt`, so only their jobs due after that count for the next deadline.
    private(set) var drainedChannels: Set<String> = []
    /// Senders' rate limits (``Pacer``).
    private(set) var pacer = Pacer()
    /// Paced senders that had jobs due beyond their budget at the last hand-out: the
    /// loop wakes when the first of them has a token again.
    private(set) var pacedKeys: Set<String> = []
    /// The recipients each spaced sender (``ConnectedWorker/spacedAccounts``) sent to
    /// lately, with when each may be sent to again.
    private(set) var recentRecipients: [String: [String: Date]] = [:]
    /// Spaced senders that held a job back for its recipient at the last hand-out.
    private(set) var spacedKeys: Set<String> = []
    /// The time the last hand-out looked at. Not a fresh reading of the clock: a job
    /// that fell due between the two would be missed until the next heartbeat.
    private(set) var drainedAt = Date.distantPast
    /// Results for deliveries their sender does not hold, per peer: late answers
    /// are normal, thousands a second from one connection are not, and each costs
    /// the store a lookup.
    private var strangerResults = PeerRateLimiter(burst: 1000, perSecond: 100)
    /// The retry backoff's jitter, 0...1; a test fixes it.
    private let jitter: () -> Double

    init(
        configuration: DispatcherConfiguration, coreVersion: String,
        jitter: @escaping () -> Double = { Double.random(in: 0...1) }
    ) {
        self.configuration = configuration
        self.coreVersion = coreVersion
        self.jitter = jitter
    }

    /// What the loop must do because of an input.
    enum Effect: Equatable {
        case send(Herald_V1_CoreMessage.OneOf_Body, to: Data)
        case refuse(ChannelRefusals.Reason, peer: Data, detail: String, instance: String?)
        case ignore(deliveryID: String, attempt: Int, reason: String, peer: Data)
        /// A probe's answer reached its holder.
        case probeAnswered(id: String, Herald_V1_Result)
        /// The probe's holder left before answering.
        case probeLost(id: String)
        case registered(ConnectedWorker)
        /// A worker's accounts changed (its accounts file was reread).
        case accountsChanged(ConnectedWorker)
        case left(ConnectedWorker, reason: String)
        case silent(ConnectedWorker)
        case recipientGone(deliveryID: String)
        /// A provider throttled a paced sender: it sends nothing for `seconds`.
        case throttled(paceKey: String, seconds: TimeInterval)
        /// A worker's listener refused this many more provider callbacks (bad signatures).
        case callbacksRefused(ConnectedWorker, count: UInt64)
    }

    // MARK: Workers' messages

    /// Takes in one message a worker sent (already decoded and admitted by the intake).
    mutating func receive(_ body: Herald_V1_WorkerMessage.OneOf_Body, from peer: Data, now: Date) -> [Effect] {
        workers[peer]?.lastHeardAt = now
        switch body {
        case .register(let register):
            return self.register(register, from: peer, now: now)
        case .heartbeat(let heartbeat):
            if let worker = workers[peer] {
                let refused = heartbeat.callbacksRefused
                return refused > 0 ? [.callbacksRefused(worker, count: refused)] : []
            }
            // A worker of a core that restarted: it must register again.
            return [
                .refuse(.notRegistered, peer: peer, detail: "heartbeat before Register", instance: nil),
                .send(.reject(.with { $0.reason = "not registered: send Register first" }), to: peer),
            ]
        case .result(let result):
            return accept(result, from: peer, now: now)
        case .report(let report):
            guard let worker = workers[peer] else {
                return [
                    .refuse(.notRegistered, peer: peer, detail: "report before Register", instance: nil),
                    .send(.reject(.with { $0.reason = "not registered: send Register first" }), to: peer),
                ]
            }
            // While the store cannot keep up (or is down), reports are not kept without
            // bound: one not acknowledged is answered 503 by its channel, and the
            // provider sends it again later.
            guard pendingReports.count < Self.maxPendingReports else {
                return [.refuse(.rateLimited, peer: peer, detail: "reports waiting for the store", instance: worker.instanceID)]
            }
            let (receipts, refused) = report.receipts(provider: worker.provider, receivedAt: now)
            let (inbound, refusedInbound) = report.inbound(channel: worker.channel, provider: worker.provider, receivedAt: now)
            pendingReports.append(PendingReport(
                peer: peer, reportID: report.reportID, channel: worker.channel, receipts: receipts, inbound: inbound))
            guard refused + refusedInbound == 0 else {
                return [.refuse(
                    .invalidReport, peer: peer,
                    detail: "\(refused) receipts without a message id or status, \(refusedInbound) messages without an E.164 sender, or over \(Herald_V1_Report.maxReceipts)",
                    instance: worker.instanceID)]
            }
            return []
        case .accountsChanged(let changed):
            guard let worker = workers[peer] else {
                return [.refuse(.notRegistered, peer: peer, detail: "accounts before Register", instance: nil)]
            }
            if let problem = ProviderAccounts.problem(with: changed.accounts) {
                return [.refuse(.invalidRegister, peer: peer, detail: problem, instance: worker.instanceID)]
            }
            workers[peer]?.accounts = changed.accounts.isEmpty ? [ProviderAccounts.defaultAccount] : changed.accounts
            // Jobs of a new account may be waiting: ask for them at the next hand-out.
            drainedChannels.remove(worker.channel)
            return [.accountsChanged(workers[peer]!)]
        case .goodbye(let goodbye):
            guard let worker = workers.removeValue(forKey: peer) else {
                return [.refuse(.notRegistered, peer: peer, detail: "goodbye before Register", instance: nil)]
            }
            return [.left(worker, reason: goodbye.reason)] + releaseLater(worker)
        }
    }

    private mutating func register(_ register: Herald_V1_Register, from peer: Data, now: Date) -> [Effect] {
        let note: String?
        switch RegisterCheck.check(register) {
        case .reject(let problem):
            return [
                .refuse(.invalidRegister, peer: peer, detail: problem, instance: String(register.instanceID.prefix(200))),
                .send(.reject(.with { $0.reason = problem }), to: peer),
            ]
        case .admit(let warning):
            note = warning
        }
        var effects: [Effect] = []
        // The same instance on a new connection has reconnected: the old one is gone.
        for (oldPeer, worker) in workers where worker.instanceID == register.instanceID && oldPeer != peer {
            workers.removeValue(forKey: oldPeer)
            effects += releaseLater(worker)
        }
        if let previous = workers[peer] { effects += releaseLater(previous) }
        let worker = ConnectedWorker(
            peer: peer, channel: register.channel, provider: register.provider,
            standsInFor: register.standsInFor.isEmpty ? nil : register.standsInFor, instanceID: register.instanceID,
            pluginVersion: register.pluginVersion, maxInFlight: Int(register.maxInFlight), connectedAt: now,
            lastHeardAt: now, note: note,
            accounts: register.accounts.isEmpty ? [ProviderAccounts.defaultAccount] : register.accounts)
        workers[peer] = worker
        drainedChannels.remove(register.channel)
        effects.append(.send(.welcome(.with {
            $0.heartbeatIntervalMs = UInt32(configuration.heartbeatInterval * 1000)
            $0.leaseMs = UInt32(configuration.leaseDuration * 1000)
            $0.coreVersion = coreVersion
        }), to: peer))
        effects.append(.registered(worker))
        return effects
    }

    /// What a departed worker held goes back to the queue at the next turn, and
    /// its probes are lost. Only what is still its own: a job whose lease expired
    /// while it held it may since have gone to another worker.
    private mutating func releaseLater(_ worker: ConnectedWorker) -> [Effect] {
        var effects: [Effect] = []
        for (id, holder) in probes where holder == worker.peer {
            probes.removeValue(forKey: id)
            effects.append(.probeLost(id: id))
        }
        for jobID in worker.inFlight where inFlight[jobID]?.peer == worker.peer {
            inFlight.removeValue(forKey: jobID)
            leasesToRelease.append(jobID)
        }
        return effects
    }

    // MARK: Results

    /// Takes in a worker's result, or refuses it.
    ///
    /// A result is for a delivery its sender holds (handed to it and not yet
    /// answered, even past its lease), or it is a stranger: a late answer after
    /// the lease went to another worker, one from before a restart, or a lie.
    /// Strangers for a delivery another worker holds now are ignored: only the
    /// holder's answer counts. Others go to the store, which applies them only if
    /// the job is still at that attempt and has no newer holder.
    private mutating func accept(_ received: Herald_V1_Result, from peer: Data, now: Date) -> [Effect] {
        if let problem = received.problem {
            giveBack(received.deliveryID, from: peer)
            return [.refuse(
                .invalidResult, peer: peer,
                detail: "\(problem) (delivery \(received.deliveryID.prefix(Herald_V1_Result.maxDeliveryID)), attempt \(received.attempt))",
                instance: nil)]
        }
        let result = received.bounded
        if probes[result.deliveryID] == peer {
            probes.removeValue(forKey: result.deliveryID)
            workers[peer]?.inFlight.remove(result.deliveryID)
            return [.probeAnswered(id: result.deliveryID, result)]
        }
        if let holding = inFlight[result.deliveryID], holding.peer == peer, holding.attempt != Int(result.attempt) {
            // An answer to another attempt of a delivery this worker holds again (its
            // lease expired and came back to it): the worker still owes the answer to
            // the attempt it holds, so its credit stays taken.
            return [.ignore(
                deliveryID: result.deliveryID, attempt: Int(result.attempt),
                reason: "superseded by attempt \(holding.attempt)", peer: peer)]
        }
        let held = workers[peer]?.inFlight.contains(result.deliveryID) ?? false
        // An answer frees the worker's credit, even a late one for an expired lease.
        workers[peer]?.inFlight.remove(result.deliveryID)
        if !held {
            guard strangerResults.admit(peer) else {
                return [.refuse(.rateLimited, peer: peer, detail: "results for deliveries it does not hold, too fast", instance: nil)]
            }
            if let holder = inFlight[result.deliveryID], holder.peer != peer {
                return [.ignore(
                    deliveryID: result.deliveryID, attempt: Int(result.attempt), reason: "other worker holds it", peer: peer)]
            }
        }
        let attempt = Int(result.attempt)
        let known = inFlight[result.deliveryID].flatMap { $0.attempt == attempt && $0.peer == peer ? $0 : nil }
        if let known { inFlight.removeValue(forKey: known.jobID) }
        let provider = result.provider.isEmpty ? (workers[peer]?.provider ?? "") : result.provider
        let error = [result.errorCode, result.errorMessage].filter { !$0.isEmpty }.joined(separator: ": ")
        var effects: [Effect] = []
        let resolution: JobResolution
        switch result.outcome {
        case .sent:
            resolution = .sent(provider: provider, providerMessageID: result.providerMessageID.isEmpty ? nil : result.providerMessageID)
        case .failed:
            resolution = .failed(provider: provider, error: error.isEmpty ? "failed" : error, recipientGone: result.recipientGone)
            if result.recipientGone { effects.append(.recipientGone(deliveryID: result.deliveryID)) }
        case .retry, .unspecified, .UNRECOGNIZED:
            let retryAfter = result.retryAfterMs > 0 ? TimeInterval(result.retryAfterMs) / 1000 : nil
            // The provider throttled the sender: the whole account waits, not only this message.
            if let key = known?.paceKey, let wait = Throttling.pause(errorCode: result.errorCode, retryAfter: retryAfter) {
                pacer.pause(key, until: now.addingTimeInterval(wait))
                effects.append(.throttled(paceKey: key, seconds: wait))
            }
            let policy = known?.kind == .webhook ? configuration.webhookRetry : configuration.retry
            let decision = policy.decide(
                attempt: attempt, dueAt: known?.dueAt ?? now, notAfter: known?.notAfter, retryAfter: retryAfter, now: now,
                random: jitter())
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
        return effects
    }

    /// A delivery its holder answered with an impossible result goes back to the
    /// queue now (to be handed out again as the next attempt) instead of waiting
    /// out its lease; the holder's credit is freed.
    private mutating func giveBack(_ deliveryID: String, from peer: Data) {
        guard let held = inFlight[deliveryID], held.peer == peer else { return }
        inFlight.removeValue(forKey: deliveryID)
        workers[peer]?.inFlight.remove(deliveryID)
        leasesToRelease.append(deliveryID)
    }

    /// The results to store now; they stay pending until ``resultsStored()``.
    var resultsToStore: [PendingResult] { pendingResults }

    /// The store applied (or ignored) every result of ``resultsToStore``.
    mutating func resultsStored() { pendingResults.removeAll() }

    /// The store applied every report of ``pendingReports``; the loop acknowledges them.
    mutating func reportsStored() { pendingReports.removeAll() }

    /// Reports waiting beyond this many are refused.
    static let maxPendingReports = 1000
    /// How long an unmatched receipt waits before its second and last try.
    static let receiptRetryDelay: TimeInterval = 1

    /// Keeps a receipt that matched no message for one more try.
    mutating func park(_ receipt: DeliveryReceipt, channel: String, peer: Data, now: Date) {
        parkedReceipts.append(ParkedReceipt(
            receipt: receipt, channel: channel, peer: peer, retryAt: now.addingTimeInterval(Self.receiptRetryDelay)))
    }

    /// The parked receipts due for their second try by `now` (a prefix of the list).
    func parkedDue(by now: Date) -> ArraySlice<ParkedReceipt> {
        parkedReceipts.prefix { $0.retryAt <= now }
    }

    /// The store tried the first `count` parked receipts again.
    mutating func parkedRetried(_ count: Int) { parkedReceipts.removeFirst(min(count, parkedReceipts.count)) }

    // MARK: Time

    /// Heartbeats due at `now`, and workers silent for three intervals retired.
    mutating func tick(now: Date) -> [Effect] {
        var effects: [Effect] = []
        if now >= nextHeartbeat {
            let beat = Herald_V1_CoreMessage.OneOf_Body.heartbeat(.with { $0.sentAtMs = Int64(now.timeIntervalSince1970 * 1000) })
            for peer in workers.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) { effects.append(.send(beat, to: peer)) }
            nextHeartbeat = now.addingTimeInterval(configuration.heartbeatInterval)
        }
        let limit = 3 * configuration.heartbeatInterval
        for (peer, worker) in workers where now.timeIntervalSince(worker.lastHeardAt) > limit {
            workers.removeValue(forKey: peer)
            effects.append(.silent(worker))
            effects += releaseLater(worker)
        }
        // A job whose lease passed goes back to the queue (the store expires it), but
        // it keeps taking up the worker's credit until the worker answers or is found
        // dead: a hung worker gets no more work.
        for delivery in inFlight.values where delivery.leaseExpiresAt <= now {
            inFlight.removeValue(forKey: delivery.jobID)
        }
        return effects
    }

    /// The store gave back every lease of ``leasesToRelease``.
    mutating func leasesReleased() { leasesToRelease.removeAll() }

    // MARK: Hand-out

    /// Who asks the store for jobs at `now`, in order (most free credit first), and
    /// the providers present per channel (for failover). The turn that asks starts
    /// with ``beginHandOut(now:)`` and reports each answer to ``handedOut(_:to:query:)``.
    struct HandOut {
        var candidates: [ConnectedWorker]
        var presentProviders: [String: Set<String>]
    }

    func handOutCandidates() -> HandOut {
        let present = Dictionary(grouping: workers.values, by: \.channel).mapValues { Set($0.map(\.jobProvider)) }
        let ordered = workers.values.filter { $0.freeCredit > 0 }
            .sorted { ($0.freeCredit, $1.instanceID) > ($1.freeCredit, $0.instanceID) }
        return HandOut(candidates: ordered, presentProviders: present)
    }

    /// A hand-out starts at `now`: no channel is drained until an answer says so.
    mutating func beginHandOut(now: Date) {
        drainedAt = now
        drainedChannels = []
    }

    /// The lease query for `peer` at `now`, or nil when it cannot take work (gone,
    /// no credit). A paced account's budget is its sender's whole tokens less what
    /// `allocated` already promised to workers asking before this one in the same turn.
    mutating func leaseQuery(
        for peer: Data, now: Date, presentProviders: [String: Set<String>], allocated: inout [String: Int]
    ) -> LeaseQuery? {
        guard let worker = workers[peer], worker.freeCredit > 0 else { return nil }
        let limit = min(worker.freeCredit, configuration.batchSize)
        var budgets: [String: Int] = [:]
        for paced in worker.pacedAccounts {
            let key = paced.paceKey
            let budget = min(max(0, pacer.budget(key, rate: paced.ratePerSecond, now: now) - allocated[key, default: 0]), limit)
            budgets[paced.account] = budget
            // Nothing of it this turn: its jobs (if any) are asked for at its next token.
            if budget == 0 { pacedKeys.insert(key) }
            allocated[key, default: 0] += budget
        }
        var spacing: [String: Set<String>] = [:]
        for (account, spaced) in worker.spacedAccounts {
            // Recipients whose gap is over may be sent to again.
            let recent = (recentRecipients[spaced.paceKey] ?? [:]).filter { $0.value > now }
            recentRecipients[spaced.paceKey] = recent.isEmpty ? nil : recent
            spacing[account] = Set(recent.keys)
        }
        return LeaseQuery(
            channel: worker.channel, provider: worker.jobProvider, accounts: worker.jobAccounts, budgets: budgets,
            spacing: spacing,
            presentProviders: presentProviders[worker.channel] ?? [], limit: limit,
            now: now, leaseUntil: now.addingTimeInterval(configuration.leaseDuration), leasedTo: worker.instanceID)
    }

    /// A turn's lease queries are about to be built: which senders wait is learnt anew.
    mutating func beginAsking() {
        pacedKeys = []
        spacedKeys = []
    }

    /// The lease query for `peer` alone (no other worker asks in this turn).
    mutating func leaseQuery(for peer: Data, now: Date, presentProviders: [String: Set<String>]) -> LeaseQuery? {
        var allocated: [String: Int] = [:]
        return leaseQuery(for: peer, now: now, presentProviders: presentProviders, allocated: &allocated)
    }

    /// The paced accounts of `peer`'s pool that had more due than their budget.
    mutating func paced(_ accounts: Set<String>, of peer: Data) {
        guard let worker = workers[peer] else { return }
        for account in accounts { pacedKeys.insert(Pacer.key(pool: worker.pool, account: account)) }
    }

    /// The paced senders that left jobs waiting at the last hand-out: each bucket with
    /// the channel and job account whose queue it drains.
    var waitingSenders: [PacingWatch.Sender] {
        var senders: [String: PacingWatch.Sender] = [:]
        for worker in workers.values {
            for paced in worker.pacedAccounts where pacedKeys.contains(paced.paceKey) {
                senders[paced.paceKey] = PacingWatch.Sender(key: paced.paceKey, channel: worker.channel, account: paced.account)
            }
        }
        return senders.values.sorted { $0.key < $1.key }
    }

    /// The spaced accounts of `peer`'s pool that held jobs back for their recipients.
    mutating func spaced(_ accounts: Set<String>, of peer: Data) {
        guard let worker = workers[peer] else { return }
        for account in accounts {
            if let spaced = worker.spacedAccounts[account] { spacedKeys.insert(spaced.paceKey) }
        }
    }

    /// When the first sender that left jobs waiting has a token again, or the first
    /// recipient a spaced sender held jobs back for may be sent to again.
    func nextPaceAt(now: Date) -> Date? {
        let tokens = pacedKeys.compactMap { pacer.nextToken($0, now: now) }
        let gaps = spacedKeys.compactMap { recentRecipients[$0]?.values.min() }
        return (tokens + gaps).min()
    }

    /// Jobs leased for `peer` by `query` are in its hands now. A batch shorter than
    /// asked drains its channel until the next hand-out.
    mutating func handedOut(_ leased: [LeasedJob], to peer: Data, query: LeaseQuery) {
        if leased.count < query.limit { drainedChannels.insert(query.channel) }
        let pool = workers[peer]?.pool ?? query.channel + "/" + query.provider
        for job in leased.map(\.job) {
            workers[peer]?.inFlight.insert(job.id)
            let paceKey = query.budgets[job.account] != nil ? Pacer.key(pool: pool, account: job.account) : nil
            if let paceKey { pacer.spend(paceKey, 1) }
            if let spaced = query.spacing[job.account] != nil ? workers[peer]?.spacedAccounts[job.account] : nil {
                recentRecipients[spaced.paceKey, default: [:]][job.recipient] = query.now.addingTimeInterval(spaced.gap)
            }
            inFlight[job.id] = InFlightDelivery(
                jobID: job.id, attempt: job.attempt, peer: peer, kind: job.kind, dueAt: job.dueAt, notAfter: job.notAfter,
                leaseExpiresAt: job.leaseExpiresAt ?? query.leaseUntil, hasFallbackProvider: job.fallbackProvider != nil,
                paceKey: paceKey)
        }
    }

    // MARK: Probes

    /// Hands a probe to a worker of its channel with free credit: the worker, or nil.
    mutating func startProbe(_ delivery: Herald_V1_Delivery) -> Data? {
        guard let worker = workers.values
            .filter({ $0.channel == delivery.channel && $0.freeCredit > 0 })
            .min(by: { $0.instanceID < $1.instanceID })
        else { return nil }
        workers[worker.peer]?.inFlight.insert(delivery.deliveryID)
        probes[delivery.deliveryID] = worker.peer
        return worker.peer
    }

    /// The probe's caller gave up: its holder's credit is freed.
    mutating func abandonProbe(_ id: String) {
        guard let holder = probes.removeValue(forKey: id) else { return }
        workers[holder]?.inFlight.remove(id)
    }

    // MARK: Waiting

    /// What the loop waits for: the earliest of `fixed` (heartbeats, the first
    /// silent worker's death), and the next due job of the channels whose
    /// workers have credit (for `drained` ones, only jobs due after `drainedAt`).
    struct Wait: Equatable {
        var fixed: Date?
        var ready: Set<String>
        var drained: Set<String>
        var drainedAt: Date
    }

    func wait() -> Wait {
        var fixed: [Date] = []
        if !workers.isEmpty {
            fixed.append(nextHeartbeat)
            if let oldest = workers.values.map(\.lastHeardAt).min() {
                fixed.append(oldest.addingTimeInterval(3 * configuration.heartbeatInterval))
            }
        }
        let withCredit = Set(workers.values.filter { $0.freeCredit > 0 }.map(\.channel))
        return Wait(
            fixed: fixed.min(), ready: withCredit.subtracting(drainedChannels),
            drained: withCredit.intersection(drainedChannels), drainedAt: drainedAt)
    }

    /// What `herald channels` shows.
    var snapshot: [WorkerSnapshot] {
        workers.values.map {
            WorkerSnapshot(
                channel: $0.channel, provider: $0.provider, instanceID: $0.instanceID, pluginVersion: $0.pluginVersion,
                maxInFlight: $0.maxInFlight, inFlight: $0.inFlight.count, connectedAt: $0.connectedAt,
                lastHeardAt: $0.lastHeardAt, note: $0.note ?? "", accounts: $0.accounts.map(\.name))
        }
        .sorted { ($0.channel, $0.provider, $0.instanceID) < ($1.channel, $1.provider, $1.instanceID) }
    }
}
