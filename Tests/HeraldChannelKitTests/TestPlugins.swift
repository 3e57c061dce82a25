import HeraldChannelKit
import Synchronization

/// A plugin whose answers the test decides, and that counts what it was given.
struct ScriptedPlugin: ChannelPlugin {
    var channel = "sms"
    var provider = "fake"
    var version = "1.2.3"
    var capabilities: [String] = []
    let probe = SendProbe()
    let answer: @Sendable (Herald_V1_Delivery) async -> Outcome

    init(channel: String = "sms", capabilities: [String] = [], answer: @escaping @Sendable (Herald_V1_Delivery) async -> Outcome = { _ in .sent(providerMessageID: nil) }) {
        self.channel = channel
        self.capabilities = capabilities
        self.answer = answer
    }

    func send(_ delivery: Herald_V1_Delivery) async -> Outcome {
        probe.begin()
        defer { probe.end() }
        return await answer(delivery)
    }
}

/// How many sends ran, are running, and the most at once.
final class SendProbe: Sendable {
    private struct Counts { var started = 0, running = 0, mostAtOnce = 0, finished = 0 }
    private let counts = Mutex(Counts())

    func begin() {
        counts.withLock {
            $0.started += 1
            $0.running += 1
            $0.mostAtOnce = max($0.mostAtOnce, $0.running)
        }
    }

    func end() { counts.withLock { $0.running -= 1; $0.finished += 1 } }

    var started: Int { counts.withLock { $0.started } }
    var finished: Int { counts.withLock { $0.finished } }
    var mostAtOnce: Int { counts.withLock { $0.mostAtOnce } }
}

/// Holds sends until the test opens it (or their task is cancelled).
final class Gate: Sendable {
    private let isOpen = Atomic(false)

    func open() { isOpen.store(true, ordering: .relaxed) }

    func wait() async {
        while !isOpen.load(ordering: .relaxed) && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Collects a runner's events as they happen.
final class EventLog: Sendable {
    private let events = Mutex<[ChannelRunner.Event]>([])
    var all: [ChannelRunner.Event] { events.withLock { $0 } }

    func collect(_ runner: ChannelRunner) async {
        for await event in runner.events { events.withLock { $0.append(event) } }
    }
}
