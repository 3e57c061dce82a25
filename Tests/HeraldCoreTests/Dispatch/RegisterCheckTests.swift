import Foundation
import HeraldBus
import HeraldProto
import Logging
import HeraldTesting
import Testing

@testable import HeraldCore

/// What the core answers a `Register` that could never get a job, or that
/// registered something with no effect.
@Suite("Register is checked against routing", .timeLimit(.minutes(2)))
struct RegisterCheckTests {
    typealias Dispatch = DispatcherTests

    static func register(
        channel: String = "email", provider: String = "test", standsInFor: String = ""
    ) -> Herald_V1_Register {
        FakeWorker.registration(maxInFlight: 1, channel: channel, provider: provider, standsInFor: standsInFor)
    }

    @Test(arguments: ["Bad Chan!", "Email", "chat room", "9chat", "", String(repeating: "c", count: 33)])
    func aChannelNameTeamAddWouldRefuseIsRejected(channel: String) {
        guard case .reject(let reason) = RegisterCheck.check(Self.register(channel: channel)) else {
            Issue.record("\"\(channel)\" admitted")
            return
        }
        // The same words as `herald team add` (ChannelName).
        #expect(reason.hasPrefix("channel "), "\(reason)")
        #expect(reason == "channel " + (ChannelName.problem(with: channel) ?? "-"))
    }

    /// A worker's account list is refused with the account and the rule it breaks.
    @Test func accountListsBreakingARuleAreRejected() {
        func reason(_ accounts: [Herald_V1_ChannelAccount]) -> String? {
            var register = Self.register()
            register.accounts = accounts
            guard case .reject(let reason) = RegisterCheck.check(register) else { return nil }
            return reason
        }
        func account(_ name: String, rate: Double = 0, gapMs: UInt32 = 0) -> Herald_V1_ChannelAccount {
            .with { $0.name = name; $0.ratePerSecond = rate; $0.recipientGapMs = gapMs }
        }
        #expect(reason([account("salon", rate: 80, gapMs: 6000), account("default")]) == nil)
        #expect(reason([account("salon"), account("salon")])?.contains("account \"salon\" is named twice") == true)
        #expect(reason([account("-x")])?.contains("account names are 1-64") == true)
        #expect(reason([account("a", rate: -1)])?.contains("rate_per_second must be between 0") == true)
        #expect(reason([account("a", rate: .infinity)])?.contains("rate_per_second must be between 0") == true)
        #expect(reason([account("a", gapMs: 3_600_001)])?.contains("recipient_gap_ms must be at most 3600000") == true)
        #expect(reason([account("a", gapMs: 3_600_000)]) == nil)
        var senders = account("a")
        senders.senders = Array(repeating: "+15550000100", count: 17)
        #expect(reason([senders])?.contains("at most 16 senders") == true)
        #expect(reason((0...10_000).map { account("a\($0)") })?.contains("at most 10000 accounts") == true)
    }

    @Test(arguments: ["email", "sms", "whatsapp", "webhook", "chat", "team_chat-2"])
    func aChannelNameTeamAddAcceptsIsAdmitted(channel: String) {
        let provider = channel == "sms" ? "twilio" : "anything"
        #expect(RegisterCheck.check(Self.register(channel: channel, provider: provider)) == .admit(note: nil))
    }

    @Test(arguments: [("twilio", ""), ("vonage", ""), ("outbox", "twilio"), ("outbox", "vonage")])
    func anSMSWorkerOfAProviderSMSJobsNameIsAdmitted(provider: String, standsInFor: String) {
        let check = RegisterCheck.check(Self.register(channel: "sms", provider: provider, standsInFor: standsInFor))
        #expect(check == .admit(note: nil))
    }

    @Test(arguments: [("test", ""), ("messagebird", ""), ("outbox", ""), ("outbox", "messagebird"), ("Twilio", "")])
    func anSMSWorkerNoSMSJobCouldReachIsRejected(provider: String, standsInFor: String) {
        guard case .reject(let reason) = RegisterCheck.check(
            Self.register(channel: "sms", provider: provider, standsInFor: standsInFor))
        else {
            Issue.record("sms/\(provider) standing in for \"\(standsInFor)\" admitted")
            return
        }
        #expect(reason.contains("twilio or vonage"), "\(reason)")
        #expect(reason.contains(standsInFor.isEmpty ? "provider \"\(provider)\"" : "stands_in_for \"\(standsInFor)\""), "\(reason)")
    }

    @Test(arguments: ["email", "whatsapp", "webhook", "chat"])
    func outsideSMSAnyProviderGetsWorkAndAnOutboxMayNameItsProvider(channel: String) {
        #expect(RegisterCheck.check(Self.register(channel: channel, provider: "whatever")) == .admit(note: nil))
        // What `--outbox` registers on every channel.
        #expect(RegisterCheck.check(Self.register(channel: channel, provider: "outbox", standsInFor: "smtp")) == .admit(note: nil))
    }

    @Test(arguments: [("email", "no effect on channel email"), ("chat", "no effect on channel chat"),
                      ("sms", "takes vonage's SMS jobs while its results name \"twilio\"")])
    func standsInForFromAWorkerThatIsNoOutboxEarnsANote(channel: String, effect: String) {
        let provider = channel == "sms" ? "twilio" : "smtp"
        guard case .admit(let note?) = RegisterCheck.check(
            Self.register(channel: channel, provider: provider, standsInFor: "vonage"))
        else {
            Issue.record("no note")
            return
        }
        #expect(note.hasPrefix("stands_in_for \"vonage\" is meant for provider \"outbox\""), "\(note)")
        #expect(note.contains(effect), "\(note)")
    }

    /// On the wire: the Reject names the rule; the note reaches `herald channels`.
    @Test func theCoreAnswersWithTheRuleAndShowsTheNote() async throws {
        let metrics = HeraldMetrics()
        try await Dispatch.withDispatcher(metrics: metrics) { dispatcher, _, _, context, endpoint in
            let peer = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { peer.close() }
            peer.send(.register(Self.register(channel: "Bad Chan!")))
            let badName = try #require(try await peer.nextReject())
            #expect(badName.reason.contains("\"Bad Chan!\" is not a channel name"), "\(badName.reason)")

            peer.send(.register(Self.register(channel: "sms", provider: "test")))
            let badProvider = try #require(try await peer.nextReject())
            #expect(badProvider.reason.contains("twilio or vonage"), "\(badProvider.reason)")
            #expect(HostileWorkerTests.counter(metrics, "herald_messages_refused_total", ["endpoint": "channel", "reason": "invalid_register"]) == 2)
            #expect(dispatcher.connectedWorkers.isEmpty)

            peer.send(.register(Self.register(channel: "email", provider: "smtp", standsInFor: "sendgrid")))
            #expect(try await peer.nextWelcome() != nil)
            try await eventually("the worker listed") { !dispatcher.connectedWorkers.isEmpty }
            let worker = try #require(dispatcher.connectedWorkers.first)
            #expect(worker.note.contains("it has no effect on channel email"), "\(worker.note)")
        }
    }
}
