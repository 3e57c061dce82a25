import Foundation
import HeraldProto
import PropertyBased
import Testing

@testable import HeraldCore

/// The dispatcher's decisions without a socket, a store or a clock: inputs in,
/// effects out.
@Suite("dispatch state")
struct DispatchStateTests {
    static let configuration = DispatcherConfiguration(heartbeatInterval: 5, leaseDuration: 60, batchSize: 500)
    static let alice = Data("alice".utf8)
    static let bob = Data("bob".utf8)

    static func state() -> DispatchState {
        DispatchState(configuration: configuration, coreVersion: "test", jitter: { 0.5 })
    }

    static func register(
        _ instance: String, channel: String = "email", provider: String = "smtp", credit: UInt32 = 2
    ) -> Herald_V1_WorkerMessage.OneOf_Body {
        .register(.with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = channel
            $0.provider = provider
            $0.instanceID = instance
            $0.maxInFlight = credit
        })
    }

    static func job(_ id: String, due: Date = Fixture.now, attempt: Int = 1, fallback: String? = nil) -> LeasedJob {
        let booking = Fixture.booking()
        return LeasedJob(
            job: NotificationJob(
                id: id, tenantID: booking.tenantID, bookingID: booking.id, kind: .confirmation, channel: "email",
                fallbackProvider: fallback, recipient: "ada@example.com", scheduleVersion: 1, dueAt: due,
                status: .leased, attempt: attempt, leasedTo: "alice", leaseExpiresAt: due.addingTimeInterval(60),
                createdAt: Fixture.now, updatedAt: Fixture.now),
            booking: booking)
    }

    static func result(_ id: String, attempt: UInt32 = 1, _ outcome: Herald_V1_Outcome) -> Herald_V1_WorkerMessage.OneOf_Body {
        .result(.with {
            $0.deliveryID = id
            $0.attempt = attempt
            $0.outcome = outcome
            if outcome == .retry { $0.errorCode = "429" }
        })
    }

    /// Leases `jobs` to `peer` as the loop would after asking the store.
    static func handOut(_ jobs: [LeasedJob], to peer: Data, in state: inout DispatchState, now: Date = Fixture.now) {
        let query = state.leaseQuery(for: peer, now: now, presentProviders: state.handOutCandidates().presentProviders)!
        state.handedOut(jobs, to: peer, query: query)
    }

    @Test func aWorkerIsWelcomedWithTheTimingAndListed() {
        var state = Self.state()
        let effects = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        guard case .send(.welcome(let welcome), let peer) = effects.first else {
            Issue.record("no Welcome: \(effects)")
            return
        }
        #expect(peer == Self.alice)
        #expect(welcome.heartbeatIntervalMs == 5000 && welcome.leaseMs == 60_000 && welcome.coreVersion == "test")
        #expect(state.snapshot.map(\.instanceID) == ["alice-1"])
    }

    @Test func aBadRegisterIsRejectedWithTheRuleAndNothingIsListed() {
        var state = Self.state()
        let effects = state.receive(Self.register("bad", channel: "Bad Chan!"), from: Self.alice, now: Fixture.now)
        #expect(effects.contains { if case .send(.reject(let reject), _) = $0 { !reject.reason.isEmpty } else { false } })
        #expect(effects.contains { if case .refuse(.invalidRegister, _, _, _) = $0 { true } else { false } })
        #expect(state.workers.isEmpty)
    }

    @Test func aHeartbeatBeforeRegisterIsRejected() {
        var state = Self.state()
        let effects = state.receive(.heartbeat(.init()), from: Self.alice, now: Fixture.now)
        #expect(effects.contains { if case .send(.reject, Self.alice) = $0 { true } else { false } })
    }

    @Test func aReportBeforeRegisterIsRejectedAndNotStored() {
        var state = Self.state()
        let effects = state.receive(.report(.with { $0.reportID = 1 }), from: Self.alice, now: Fixture.now)
        #expect(effects.contains { if case .send(.reject, Self.alice) = $0 { true } else { false } })
        #expect(state.pendingReports.isEmpty)
    }

    /// Receipts are kept for the next turn with the worker's provider where they name
    /// none; impossible ones are left out and refused, and the report is still kept
    /// (so it is acknowledged and the provider is not asked to send it again).
    @Test func aReportsReceiptsWaitForTheStoreAndBadOnesAreLeftOut() {
        var state = Self.state()
        _ = state.receive(Self.register("sms-1", channel: "sms", provider: "twilio"), from: Self.alice, now: Fixture.now)
        let report = Herald_V1_Report.with {
            $0.reportID = 7
            $0.receipts = [
                .with { $0.providerMessageID = "SM1"; $0.status = .delivered; $0.occurredAtMs = 1_800_000_000_000 },
                .with { $0.providerMessageID = ""; $0.status = .delivered },
                .with { $0.providerMessageID = "SM2"; $0.status = .unspecified },
                .with { $0.provider = "vonage"; $0.providerMessageID = "part-b"; $0.deliveryID = "job_1"; $0.status = .undelivered
                        $0.errorCode = "12"; $0.errorMessage = String(repeating: "x", count: 5000) },
            ]
        }
        let effects = state.receive(.report(report), from: Self.alice, now: Fixture.minutes(1))
        #expect(effects.contains { if case .refuse(.invalidReport, Self.alice, _, "sms-1") = $0 { true } else { false } }, "\(effects)")
        let pending = try? #require(state.pendingReports.first)
        #expect(state.pendingReports.count == 1)
        #expect(pending?.reportID == 7 && pending?.peer == Self.alice && pending?.channel == "sms")
        let receipts = pending?.receipts ?? []
        #expect(receipts.map(\.providerMessageID) == ["SM1", "part-b"])
        #expect(receipts.first?.provider == "twilio", "the worker's provider where the receipt names none")
        #expect(receipts.first?.occurredAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(receipts.first?.receivedAt == Fixture.minutes(1))
        #expect(receipts.last?.provider == "vonage" && receipts.last?.jobID == "job_1")
        #expect((receipts.last?.error?.count ?? 0) <= Herald_V1_Result.maxErrorMessage)
        state.reportsStored()
        #expect(state.pendingReports.isEmpty)
    }

    /// Workers report the callbacks their listener refused since their last heartbeat.
    @Test func refusedCallbacksAreCountedFromHeartbeats() {
        var state = Self.state()
        _ = state.receive(Self.register("sms-1", channel: "sms", provider: "twilio"), from: Self.alice, now: Fixture.now)
        func refused(_ total: UInt64) -> [UInt64] {
            state.receive(.heartbeat(.with { $0.callbacksRefused = total }), from: Self.alice, now: Fixture.now).compactMap {
                if case .callbacksRefused(_, let count) = $0 { count } else { nil }
            }
        }
        #expect(refused(0) == [])
        #expect(refused(3) == [3])
        #expect(refused(3) == [3])
        #expect(refused(0) == [])
    }

    @Test func creditBoundsTheLeaseAndAnAnswerFreesIt() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1", credit: 2), from: Self.alice, now: Fixture.now)
        #expect(state.leaseQuery(for: Self.alice, now: Fixture.now, presentProviders: [:])?.limit == 2)
        Self.handOut([Self.job("j1"), Self.job("j2")], to: Self.alice, in: &state)
        #expect(state.leaseQuery(for: Self.alice, now: Fixture.now, presentProviders: [:]) == nil)
        #expect(state.handOutCandidates().candidates.isEmpty)

        _ = state.receive(Self.result("j1", .sent), from: Self.alice, now: Fixture.minutes(1))
        #expect(state.leaseQuery(for: Self.alice, now: Fixture.now, presentProviders: [:])?.limit == 1)
        #expect(state.resultsToStore.map(\.result.jobID) == ["j1"])
        guard case .sent = state.resultsToStore.first?.result.resolution else {
            Issue.record("\(state.resultsToStore)")
            return
        }
        #expect(state.resultsToStore.first?.outcome.lateness == 60)
        state.resultsStored()
        #expect(state.resultsToStore.isEmpty)
    }

    @Test func aRetryIsScheduledWithBackoffAndFailsOverFromTheSecondAttempt() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        Self.handOut([Self.job("j1", attempt: 1, fallback: "vonage"), Self.job("j2", attempt: 2, fallback: "vonage")], to: Self.alice, in: &state)
        _ = state.receive(Self.result("j1", attempt: 1, .retry), from: Self.alice, now: Fixture.now)
        _ = state.receive(Self.result("j2", attempt: 2, .retry), from: Self.alice, now: Fixture.now)
        let resolutions = state.resultsToStore.map(\.result.resolution)
        guard case .retry(let at1, _, let error, let failover1) = resolutions[0],
            case .retry(_, _, _, let failover2) = resolutions[1]
        else {
            Issue.record("\(resolutions)")
            return
        }
        #expect(at1 > Fixture.now && error == "429")
        #expect(!failover1 && failover2)
    }

    @Test func aStrangersResultForAnotherWorkersDeliveryIsIgnored() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        _ = state.receive(Self.register("bob-1"), from: Self.bob, now: Fixture.now)
        Self.handOut([Self.job("j1")], to: Self.alice, in: &state)
        let effects = state.receive(Self.result("j1", .sent), from: Self.bob, now: Fixture.now)
        #expect(effects == [.ignore(deliveryID: "j1", attempt: 1, reason: "other worker holds it", peer: Self.bob)])
        #expect(state.resultsToStore.isEmpty)
        #expect(state.inFlight["j1"]?.peer == Self.alice)
    }

    @Test func anImpossibleResultGivesTheDeliveryBackAtOnce() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        Self.handOut([Self.job("j1")], to: Self.alice, in: &state)
        let effects = state.receive(Self.result("j1", attempt: 0, .sent), from: Self.alice, now: Fixture.now)
        #expect(effects.contains { if case .refuse(.invalidResult, _, _, _) = $0 { true } else { false } })
        #expect(state.leasesToRelease == ["j1"])
        #expect(state.workers[Self.alice]?.freeCredit == 2)
    }

    @Test func aSilentWorkerIsRetiredAndWhatItHeldGoesBack() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        Self.handOut([Self.job("j1")], to: Self.alice, in: &state)
        #expect(state.wait().fixed! <= Fixture.now)  // the first heartbeat is due at once
        var effects = state.tick(now: Fixture.now)
        #expect(effects.contains { if case .send(.heartbeat, Self.alice) = $0 { true } else { false } })
        #expect(state.wait().fixed == Fixture.now.addingTimeInterval(5))
        effects = state.tick(now: Fixture.now.addingTimeInterval(15))
        #expect(!effects.contains { if case .silent = $0 { true } else { false } }, "three intervals exactly is not yet dead")
        effects = state.tick(now: Fixture.now.addingTimeInterval(15.001))
        #expect(effects.contains { if case .silent(let worker) = $0 { worker.instanceID == "alice-1" } else { false } })
        #expect(state.workers.isEmpty && state.inFlight.isEmpty)
        #expect(state.leasesToRelease == ["j1"])
        state.leasesReleased()
        #expect(state.leasesToRelease.isEmpty)
    }

    @Test func anAnswerToAnotherAttemptOfAHeldDeliveryKeepsItHeld() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        Self.handOut([Self.job("j1", attempt: 2)], to: Self.alice, in: &state)
        let effects = state.receive(Self.result("j1", attempt: 1, .sent), from: Self.alice, now: Fixture.now)
        #expect(effects == [.ignore(deliveryID: "j1", attempt: 1, reason: "superseded by attempt 2", peer: Self.alice)])
        #expect(state.resultsToStore.isEmpty)
        #expect(state.workers[Self.alice]?.inFlight == ["j1"] && state.inFlight["j1"]?.attempt == 2)
    }

    @Test func aReconnectedInstanceReplacesItsOldConnection() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        Self.handOut([Self.job("j1")], to: Self.alice, in: &state)
        _ = state.receive(Self.register("alice-1"), from: Self.bob, now: Fixture.now)
        #expect(Array(state.workers.keys) == [Self.bob])
        #expect(state.leasesToRelease == ["j1"])
    }

    @Test func aProbeGoesToAWorkerWithCreditAndItsAnswerIsNotAJobResult() {
        var state = Self.state()
        #expect(state.startProbe(.with { $0.deliveryID = "test_1"; $0.channel = "webhook" }) == nil)
        _ = state.receive(Self.register("alice-1", channel: "webhook", provider: "http"), from: Self.alice, now: Fixture.now)
        #expect(state.startProbe(.with { $0.deliveryID = "test_1"; $0.channel = "webhook" }) == Self.alice)
        #expect(state.workers[Self.alice]?.freeCredit == 1)
        let effects = state.receive(Self.result("test_1", .sent), from: Self.alice, now: Fixture.now)
        guard case .probeAnswered(let id, _) = effects.first else {
            Issue.record("\(effects)")
            return
        }
        #expect(id == "test_1" && state.resultsToStore.isEmpty && state.workers[Self.alice]?.freeCredit == 2)
        // A worker that leaves loses its probes.
        _ = state.startProbe(.with { $0.deliveryID = "test_2"; $0.channel = "webhook" })
        #expect(state.receive(.goodbye(.init()), from: Self.alice, now: Fixture.now).contains(.probeLost(id: "test_2")))
    }

    @Test func aShortBatchDrainsItsChannelUntilTheNextHandOut() {
        var state = Self.state()
        _ = state.receive(Self.register("alice-1"), from: Self.alice, now: Fixture.now)
        #expect(state.wait().ready == ["email"])
        state.beginHandOut(now: Fixture.now)
        Self.handOut([Self.job("j1")], to: Self.alice, in: &state)
        #expect(state.wait().drained == ["email"] && state.wait().drainedAt == Fixture.now)
        state.beginHandOut(now: Fixture.minutes(1))
        #expect(state.wait().ready == ["email"])
    }

    // MARK: Random interleavings

    /// Jobs as a store holds them, for the property test: the loop's side of the store.
    struct ModelStore {
        struct Job {
            var dueAt: Date
            var attempt = 0
            var leasedUntil: Date?
            var sent = 0
            var finished = false
        }
        var jobs: [String: Job]

        mutating func apply(_ result: JobResult) {
            guard var job = jobs[result.jobID], job.leasedUntil != nil, job.attempt == result.attempt, !job.finished else { return }
            job.leasedUntil = nil
            switch result.resolution {
            case .sent: job.sent += 1; job.finished = true
            case .failed: job.finished = true
            case .retry(let at, _, _, _): job.dueAt = at
            }
            jobs[result.jobID] = job
        }

        mutating func release(_ ids: [String]) {
            for id in ids where jobs[id]?.finished == false { jobs[id]?.leasedUntil = nil }
        }

        mutating func expire(now: Date) {
            for (id, job) in jobs where !job.finished && (job.leasedUntil.map { $0 <= now } ?? false) { jobs[id]?.leasedUntil = nil }
        }

        func due(now: Date) -> [String] {
            jobs.filter { !$0.value.finished && $0.value.leasedUntil == nil && $0.value.dueAt <= now }
                .sorted { ($0.value.dueAt, $0.key) < ($1.value.dueAt, $1.key) }.map(\.key)
        }

        mutating func lease(_ query: LeaseQuery) -> [LeasedJob] {
            due(now: query.now).prefix(query.limit).map { id in
                jobs[id]!.attempt += 1
                jobs[id]!.leasedUntil = query.leaseUntil
                var leased = DispatchStateTests.job(id, due: jobs[id]!.dueAt, attempt: jobs[id]!.attempt)
                leased.job.leaseExpiresAt = query.leaseUntil
                return leased
            }
        }
    }

    /// One turn of the loop against the model store, as `DispatchLoop.turn()` runs it:
    /// the lease queries are made before the store's part of the turn (one transaction
    /// there), which applies results, releases, expires and then leases.
    static func turn(_ state: inout DispatchState, _ store: inout ModelStore, now: Date) {
        _ = state.tick(now: now)
        let handOut = state.handOutCandidates()
        let asks = handOut.candidates.compactMap { candidate in
            state.leaseQuery(for: candidate.peer, now: now, presentProviders: handOut.presentProviders)
                .map { (candidate.peer, $0) }
        }
        for pending in state.resultsToStore { store.apply(pending.result) }
        state.resultsStored()
        store.release(state.leasesToRelease)
        state.leasesReleased()
        store.expire(now: now)
        state.beginHandOut(now: now)
        for (peer, query) in asks { state.handedOut(store.lease(query), to: peer, query: query) }
    }

    /// Random registrations, results (right, late, foreign, impossible), goodbyes,
    /// silences and clock jumps, with a turn after each: the invariants hold after
    /// every step.
    @Test func invariantsHoldOverRandomInterleavings() async {
        let peers = (0..<3).map { Data("peer-\($0)".utf8) }
        let steps = Gen.int(in: 0...9_999).array(of: 1...120)
        await propertyCheck(count: 300, input: steps) { steps in
            var state = Self.state()
            var store = ModelStore(jobs: Dictionary(uniqueKeysWithValues: (0..<12).map {
                ("job-\($0)", ModelStore.Job(dueAt: Fixture.now.addingTimeInterval(Double($0 * 20))))
            }))
            var now = Fixture.now
            for step in steps {
                let peer = peers[step % peers.count]
                let pick = step / 10
                switch (step / 3) % 8 {
                case 0:
                    _ = state.receive(Self.register("w\(step % peers.count)", credit: UInt32(1 + pick % 3)), from: peer, now: now)
                case 1:
                    _ = state.receive(.heartbeat(.init()), from: peer, now: now)
                case 2, 3:
                    // An answer to something it holds, at the attempt it was given.
                    let held = state.inFlight.values.filter { $0.peer == peer }.sorted { $0.jobID < $1.jobID }
                    guard !held.isEmpty else { continue }
                    let delivery = held[pick % held.count]
                    let outcome: Herald_V1_Outcome = [.sent, .retry, .failed][pick % 3]
                    _ = state.receive(Self.result(delivery.jobID, attempt: UInt32(delivery.attempt), outcome), from: peer, now: now)
                case 4:
                    // A stranger: any job, any attempt, maybe one it held long ago.
                    _ = state.receive(Self.result("job-\(pick % 12)", attempt: UInt32(pick % 4), .sent), from: peer, now: now)
                case 5:
                    _ = state.receive(.goodbye(.init()), from: peer, now: now)
                case 6:
                    now = now.addingTimeInterval(Double(pick % 90))
                default:
                    break
                }
                Self.turn(&state, &store, now: now)

                for worker in state.workers.values {
                    #expect(worker.inFlight.count <= worker.maxInFlight, "more in flight than credit")
                }
                for (id, delivery) in state.inFlight {
                    // Held by a connected worker, at the attempt the store leased.
                    #expect(state.workers[delivery.peer]?.inFlight.contains(id) == true)
                    #expect(store.jobs[id]?.attempt == delivery.attempt && store.jobs[id]?.leasedUntil != nil,
                            "two live leases of \(id)")
                }
                for (id, job) in store.jobs { #expect(job.sent <= 1, "\(id) sent \(job.sent) times") }
                if state.workers.values.contains(where: { $0.freeCredit > 0 }) {
                    #expect(store.due(now: now).isEmpty, "due jobs wait while a worker has credit")
                }
            }
        }
    }
}
