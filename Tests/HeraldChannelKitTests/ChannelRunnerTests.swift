import Foundation
import HeraldBus
import HeraldChannelKit
import HeraldTesting
import ServiceLifecycle
import Testing

@Suite("ChannelRunner speaks the channel protocol")
struct ChannelRunnerTests {
    @Test func registerAnnouncesChannelProviderAndCredit() async throws {
        let plugin = ScriptedPlugin(channel: "sms", capabilities: ["unicode"])
        try await withRunner(plugin, configure: { $0.maxInFlight = 7 }) { core, _, _ in
            let register = try await core.waitFor("a Register") { $0.lazy.compactMap(\.register).first }
            #expect(register.protocolVersion == .protocolVersion1)
            #expect(register.channel == "sms")
            #expect(register.provider == "fake")
            #expect(register.instanceID == "sms-fake-test")
            #expect(register.pluginVersion == "1.2.3")
            #expect(register.maxInFlight == 7)
            #expect(register.capabilities == ["unicode"])
        }
    }

    @Test func eachDeliveryGetsOneResultCarryingThePluginsOutcome() async throws {
        let plugin = ScriptedPlugin { delivery in
            switch delivery.deliveryID {
            case "d-sent": .sent(providerMessageID: "SM123")
            case "d-retry": .retry(error: "too many requests", code: "20429", after: .milliseconds(1500))
            default: .failed(error: "invalid number", code: "21211")
            }
        }
        try await withRunner(plugin) { core, _, _ in
            let peer = try await core.acceptRegistration()
            for id in ["d-sent", "d-retry", "d-failed"] {
                core.send(.delivery(makeDelivery(id, attempt: 2)), to: peer)
            }

            let sent = try await core.result(for: "d-sent")
            #expect(sent.outcome == .sent)
            #expect(sent.attempt == 2)
            #expect(sent.provider == "fake")
            #expect(sent.providerMessageID == "SM123")

            let retry = try await core.result(for: "d-retry")
            #expect(retry.outcome == .retry)
            #expect(retry.errorCode == "20429")
            #expect(retry.errorMessage == "too many requests")
            #expect(retry.retryAfterMs == 1500)

            let failed = try await core.result(for: "d-failed")
            #expect(failed.outcome == .failed)
            #expect(failed.errorCode == "21211")
            #expect(failed.retryAfterMs == 0)

            #expect(core.received.compactMap(\.result).count == 3)
            #expect(plugin.probe.finished == 3)
        }
    }

    @Test func neverSendsMoreThanMaxInFlightEvenWhenTheCoreOversends() async throws {
        let gate = Gate()
        let plugin = ScriptedPlugin { _ in
            await gate.wait()
            return .sent(providerMessageID: nil)
        }
        try await withRunner(plugin, configure: { $0.maxInFlight = 2 }) { core, _, _ in
            let peer = try await core.acceptRegistration()
            for n in 1...4 { core.send(.delivery(makeDelivery("d\(n)")), to: peer) }

            for id in ["d3", "d4"] {
                let result = try await core.result(for: id)
                #expect(result.outcome == .retry)
                #expect(result.errorMessage == "over credit")
            }
            #expect(plugin.probe.started == 2)
            gate.open()
            #expect(try await core.result(for: "d1").outcome == .sent)
            #expect(try await core.result(for: "d2").outcome == .sent)
            #expect(plugin.probe.mostAtOnce == 2)
            #expect(plugin.probe.started == 2)
        }
    }

    @Test func heartbeatsKeepComingAtTheIntervalWhileASendIsBusy() async throws {
        let gate = Gate()
        let plugin = ScriptedPlugin { _ in
            await gate.wait()
            return .sent(providerMessageID: nil)
        }
        try await withRunner(plugin) { core, _, _ in
            // 1 s apart: long enough that a stalled, busy machine does not make the
            // runner take the fake core for dead (which would end its heartbeats here).
            let peer = try await core.acceptRegistration(heartbeatIntervalMs: 1000)
            core.send(.delivery(makeDelivery("busy")), to: peer)
            try await eventually("the send to start") { plugin.probe.started == 1 }
            let started = ContinuousClock.now

            let beats = try await core.waitFor("5 heartbeats while busy") { all -> [FakeCore.Received]? in
                let beats = all.filter { $0.heartbeat != nil && $0.at > started }
                return beats.count >= 5 ? Array(beats.prefix(5)) : nil
            }
            #expect(beats.allSatisfy { $0.heartbeat?.inFlight == 1 })
            #expect(beats.allSatisfy { $0.heartbeat!.sentAtMs > 0 })
            // Not faster than the interval: four gaps of at least ~1 s.
            #expect(beats[4].at - beats[0].at >= .milliseconds(3800))
            // One connection throughout: a core that answers keeps the worker.
            #expect(core.received.compactMap(\.register).count == 1)
            gate.open()
            #expect(try await core.result(for: "busy").outcome == .sent)
        }
    }

    @Test func reconnectsWithDoublingBackoffWhenTheCoreFallsSilent() async throws {
        let core = try FakeCore(answersHeartbeats: false)
        try await withRunner(ScriptedPlugin(), core: core, configure: {
            $0.registerTimeout = .milliseconds(300)
            $0.initialReconnectDelay = .milliseconds(200)
            $0.maximumReconnectDelay = .seconds(2)
        }) { core, _, events in
            let first = try await core.acceptRegistration(heartbeatIntervalMs: 100)
            let welcomed = ContinuousClock.now

            // Silent after Welcome: dead after 3 intervals, a new socket after 200 ms.
            let second = try await core.waitFor("a second Register") { all in
                all.filter { $0.register != nil }.dropFirst().first
            }
            #expect(second.peer != first)
            #expect(second.at - welcomed >= .milliseconds(300 + 200))

            // Not even answered: the Register times out and the wait doubles.
            let third = try await core.waitFor("a third Register") { all in
                all.filter { $0.register != nil }.dropFirst(2).first
            }
            #expect(Set([first, second.peer, third.peer]).count == 3)
            // 300 + 400 ms on the runner's clock; arrival times here carry each
            // connection's handshake, so allow for that (without doubling it would be 500).
            #expect(third.at - second.at >= .milliseconds(600))

            // A Welcome resets the backoff.
            core.welcome(third.peer, heartbeatIntervalMs: 100)
            _ = try await core.waitFor("a fourth Register") { all in
                all.filter { $0.register != nil }.dropFirst(3).first
            }
            try await eventually("the third reconnect to be scheduled") {
                events.all.filter { if case .reconnectScheduled = $0 { true } else { false } }.count >= 3
            }
            let delays = events.all.compactMap { event -> Duration? in
                if case .reconnectScheduled(let after) = event { after } else { nil }
            }
            #expect(Array(delays.prefix(3)) == [.milliseconds(200), .milliseconds(400), .milliseconds(200)])
        }
    }

    /// Given two cores (one database), a worker registers with the first and, when it
    /// falls silent, moves to the second and stays there.
    @Test func aWorkerGivenTwoCoresMovesToTheOtherWhenItsCoreFallsSilent() async throws {
        let first = try FakeCore()
        let second = try FakeCore()
        defer { second.close() }
        try await withRunner(ScriptedPlugin(), core: first, configure: {
            $0.endpoint = "\(first.endpoint), \(second.endpoint)"
            $0.initialReconnectDelay = .milliseconds(100)
        }) { first, _, _ in
            let pump = Task { await second.pump() }
            defer { pump.cancel() }
            _ = try await first.acceptRegistration(heartbeatIntervalMs: 100)
            first.setAnswersHeartbeats(false)
            _ = try await second.acceptRegistration(heartbeatIntervalMs: 100)
            let registersAtFirst = first.received.filter { $0.register != nil }.count
            // Answered, it stays: no more Registers anywhere for a while of heartbeats.
            try await eventually("heartbeats with the second core") {
                second.received.filter { $0.heartbeat != nil }.count >= 5
            }
            #expect(second.received.filter { $0.register != nil }.count == 1)
            #expect(first.received.filter { $0.register != nil }.count == registersAtFirst)
        }
    }

    @Test func resultsOfSendsInFlightAcrossAReconnectGoOutOnTheNewConnection() async throws {
        let core = try FakeCore()
        let gate = Gate()
        let plugin = ScriptedPlugin { _ in
            await gate.wait()
            return .sent(providerMessageID: "late")
        }
        try await withRunner(plugin, core: core) { core, _, _ in
            let first = try await core.acceptRegistration(heartbeatIntervalMs: 100)
            core.send(.delivery(makeDelivery("slow")), to: first)
            try await eventually("the send to start") { plugin.probe.started == 1 }

            core.setAnswersHeartbeats(false)
            let second = try await core.waitFor("a new Register") { all in
                all.filter { $0.register != nil }.dropFirst().first?.peer
            }
            core.setAnswersHeartbeats(true)
            core.welcome(second, heartbeatIntervalMs: 100)
            gate.open()

            let result = try await core.waitFor("the Result") { all in all.first { $0.result != nil } }
            #expect(result.peer == second)
            #expect(result.result?.providerMessageID == "late")
            #expect(plugin.probe.started == 1)
        }
    }

    @Test func rejectStopsTheRunnerWithTheCoresReason() async throws {
        let core = try FakeCore()
        defer { core.close() }
        let runner = ChannelRunner(
            plugin: ScriptedPlugin(), configuration: testConfiguration(core), context: core.context, logger: .quiet)
        let stopped: (any Error)? = try await withThrowingTaskGroup(of: (any Error)?.self) { group in
            group.addTask { await core.pump(); return nil }
            group.addTask {
                let peer = try await core.waitFor("a Register") { $0.first { $0.register != nil }?.peer }
                core.send(.reject(.with { $0.reason = "unknown channel \"sms\"" }), to: peer)
                return nil
            }
            group.addTask {
                do { try await runner.run() } catch { return error }
                return TimedOut(what: "an error from run()", after: .zero)
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                throw TimedOut(what: "the runner to stop", after: .seconds(10))
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let error = next { return error }
            }
            return nil
        }
        #expect(stopped as? ChannelRejectedError == ChannelRejectedError(reason: "unknown channel \"sms\"", endpoint: core.endpoint))
        #expect(core.received.compactMap(\.register).count == 1)
    }

    @Test func gracefulShutdownFinishesTheSendInFlightThenSaysGoodbye() async throws {
        let core = try FakeCore()
        defer { core.close() }
        let gate = Gate()
        let plugin = ScriptedPlugin { _ in
            await gate.wait()
            return .sent(providerMessageID: "finished")
        }
        let runner = ChannelRunner(
            plugin: plugin, configuration: testConfiguration(core), context: core.context, logger: .quiet)
        let services = ServiceGroup(services: [runner], logger: .quiet)
        let events = EventLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await core.pump() }
            group.addTask { await events.collect(runner) }
            group.addTask { try await services.run() }

            let peer = try await core.acceptRegistration()
            core.send(.delivery(makeDelivery("in-flight")), to: peer)
            try await eventually("the send to start") { plugin.probe.started == 1 }

            await services.triggerGracefulShutdown()
            try await eventually("draining") { events.all.contains(.draining(inFlight: 1)) }
            // No new work while draining; the core gets it back at once.
            core.send(.delivery(makeDelivery("late")), to: peer)
            // A generous bound: when every suite starts at once on two cores the answer
            // once took longer than the default 20 s; a prompt one arrives in milliseconds.
            let late = try await core.result(for: "late", timeout: .seconds(60))
            #expect(late.outcome == .retry)
            #expect(late.errorCode == "shutting_down")
            #expect(!core.received.contains { $0.goodbye != nil })
            #expect(plugin.probe.finished == 0)

            gate.open()
            let goodbye = try await core.waitFor("Goodbye") { $0.firstIndex { $0.goodbye != nil } }
            let result = try #require(core.received.firstIndex { $0.result?.deliveryID == "in-flight" })
            #expect(result < goodbye)
            #expect(core.received[result].result?.outcome == .sent)
            try await eventually("the runner to stop") { events.all.contains(.stopped) }
            group.cancelAll()
        }
    }

    /// `Shutdown` means the core is going away, not this channel: a Goodbye (so the
    /// core need not wait for it), no stop, a new connection at once (not after 3
    /// silent heartbeat intervals), and a send in flight reports to the core that
    /// welcomes it next.
    @Test func theCoresShutdownMakesTheRunnerReconnectAndKeepItsWork() async throws {
        let gate = Gate()
        let plugin = ScriptedPlugin { _ in
            await gate.wait()
            return .sent(providerMessageID: "kept")
        }
        try await withRunner(plugin) { core, _, events in
            // A long interval: the reconnect must come from Shutdown, not from silence.
            let first = try await core.acceptRegistration(heartbeatIntervalMs: 60_000)
            core.send(.delivery(makeDelivery("in-flight")), to: first)
            try await eventually("the send to start") { plugin.probe.started == 1 }

            core.send(.shutdown(.with { $0.reason = "core upgrading" }), to: first)
            let second = try await core.waitFor("a second Register") { all in
                all.filter { $0.register != nil }.dropFirst().first?.peer
            }
            #expect(second != first)
            let goodbye = try await core.waitFor("Goodbye") { $0.first { $0.goodbye != nil } }
            #expect(goodbye.peer == first)
            #expect(goodbye.goodbye?.reason == "the core is shutting down")
            #expect(events.all.contains { event in
                if case .connectionLost(let reason) = event { reason.contains("core upgrading") } else { false }
            })
            #expect(!events.all.contains(.stopped))
            #expect(!events.all.contains { if case .draining = $0 { true } else { false } })

            core.welcome(second)
            gate.open()
            let result = try await core.waitFor("the Result") { all in all.first { $0.result != nil } }
            #expect(result.peer == second)
            #expect(result.result?.providerMessageID == "kept")

            // Still a working worker: new deliveries are sent.
            core.send(.delivery(makeDelivery("after")), to: second)
            #expect(try await core.result(for: "after").outcome == .sent)
        }
    }

    @Test func anExpiredDeliveryIsReportedFailedWithoutBeingSent() async throws {
        let plugin = ScriptedPlugin()
        try await withRunner(plugin) { core, _, _ in
            let peer = try await core.acceptRegistration()
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            core.send(.delivery(makeDelivery("stale", notAfterMs: now - 60_000)), to: peer)
            core.send(.delivery(makeDelivery("fresh", notAfterMs: now + 60_000)), to: peer)

            let stale = try await core.result(for: "stale")
            #expect(stale.outcome == .failed)
            #expect(stale.errorMessage == "expired before sending")
            #expect(try await core.result(for: "fresh").outcome == .sent)
            #expect(plugin.probe.started == 1)
        }
    }
}
