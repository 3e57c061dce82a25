import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

/// A channel worker reduced to the protocol: a DEALER that registers and then
/// does exactly what the test says, so the dispatcher's side can be checked
/// message by message.
final class FakeWorker: Sendable {
    private let socket: SocketThread

    private init(socket: SocketThread, inbox: FakeInbox) {
        self.socket = socket
        self.box = inbox
    }

    private let box: FakeInbox

    static func register(
        context: ZMQContext, endpoint: String, maxInFlight: UInt32, instance: String = "fake-1", channel: String = "email",
        provider: String = "test"
    ) async throws -> FakeWorker {
        let worker = try connect(context: context, endpoint: endpoint)
        worker.send(.register(registration(maxInFlight: maxInFlight, instance: instance, channel: channel, provider: provider)))
        let welcome = try await worker.box.next { if case .welcome = $0.body { true } else { false } }
        #expect(welcome != nil)
        return worker
    }

    static func registration(
        maxInFlight: UInt32, instance: String = "fake-1", channel: String = "email", provider: String = "test",
        standsInFor: String = ""
    ) -> Herald_V1_Register {
        .with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = channel
            $0.provider = provider
            $0.standsInFor = standsInFor
            $0.instanceID = instance
            $0.pluginVersion = "1"
            $0.maxInFlight = maxInFlight
        }
    }

    /// A connected DEALER that has sent nothing yet.
    static func connect(context: ZMQContext, endpoint: String) throws -> FakeWorker {
        let inbox = FakeInbox()
        var logger = Logger(label: "fake-worker")
        logger.logLevel = .error
        let socket = try SocketThread(
            context: context, kind: .dealer, name: "fake-worker", logger: logger,
            configure: { socket throws(ZMQError) in
                var options = ZMQSocketOptions()
                options.linger = .zero
                try socket.apply(options)
                try socket.connect(endpoint)
            },
            onMessage: { frames in
                guard frames.count == 1, let message = try? Herald_V1_CoreMessage(serializedBytes: frames[0]) else { return }
                inbox.append(message)
            })
        return FakeWorker(socket: socket, inbox: inbox)
    }

    /// The next `Reject` from the core; nil after `timeout`.
    /// The next message from the core that `matches`; nil after `timeout`.
    func nextMessage(
        timeout: Duration = .seconds(10), _ matches: (Herald_V1_CoreMessage) -> Bool
    ) async throws -> Herald_V1_CoreMessage? {
        try await box.next(timeout: timeout, matches)
    }

    func nextReject(timeout: Duration = .seconds(10)) async throws -> Herald_V1_Reject? {
        let message = try await box.next(timeout: timeout) { if case .reject = $0.body { true } else { false } }
        guard case .reject(let reject) = message?.body else { return nil }
        return reject
    }

    /// The next `Shutdown` from the core; nil after `timeout`.
    func nextShutdown(timeout: Duration = .seconds(10)) async throws -> Herald_V1_Shutdown? {
        let message = try await box.next(timeout: timeout) { if case .shutdown = $0.body { true } else { false } }
        guard case .shutdown(let shutdown) = message?.body else { return nil }
        return shutdown
    }

    /// The next `Welcome` from the core; nil after `timeout`.
    func nextWelcome(timeout: Duration = .seconds(10)) async throws -> Herald_V1_Welcome? {
        let message = try await box.next(timeout: timeout) { if case .welcome = $0.body { true } else { false } }
        guard case .welcome(let welcome) = message?.body else { return nil }
        return welcome
    }

    /// Takes every `Welcome` received so far and says how many there were.
    func takeWelcomes() -> Int { box.take { if case .welcome = $0.body { true } else { false } } }

    func nextDelivery(timeout: Duration = .seconds(10)) async throws -> Herald_V1_Delivery {
        let message = try await box.next(timeout: timeout) { if case .delivery = $0.body { true } else { false } }
        guard case .delivery(let delivery) = message?.body else {
            throw DeliveryExpected()
        }
        return delivery
    }

    func expectNoDelivery(for duration: Duration, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let message = try await box.next(timeout: duration) { if case .delivery = $0.body { true } else { false } }
        #expect(message == nil, "unexpected delivery \(String(describing: message))", sourceLocation: sourceLocation)
    }

    func answer(
        _ delivery: Herald_V1_Delivery, _ outcome: Herald_V1_Outcome, providerMessageID: String = "",
        retryAfterMs: UInt32 = 0, errorCode: String = "", errorMessage: String = ""
    ) {
        send(.result(.with {
            $0.deliveryID = delivery.deliveryID
            $0.attempt = delivery.attempt
            $0.outcome = outcome
            $0.provider = "test"
            $0.providerMessageID = providerMessageID
            $0.retryAfterMs = retryAfterMs
            $0.errorCode = errorCode
            $0.errorMessage = errorMessage
        }))
    }

    /// Any message counts as a sign of life; a heartbeat also makes the core take a turn.
    func heartbeat() {
        send(.heartbeat(.with { $0.sentAtMs = 0 }))
    }

    func sendRaw(_ payload: Data) {
        socket.send([payload])
    }

    func close() { socket.stop() }

    func send(_ body: Herald_V1_WorkerMessage.OneOf_Body) {
        let payload = (try? Herald_V1_WorkerMessage.with { $0.body = body }.serializedData()) ?? Data()
        socket.send([payload])
    }
}

/// Messages from the core, taken by the test in order, filtered by kind.
final class FakeInbox: Sendable {
    private let messages = Mutex<[Herald_V1_CoreMessage]>([])

    func append(_ message: Herald_V1_CoreMessage) {
        messages.withLock { $0.append(message) }
    }

    /// Removes every message matching `matches` now and counts them.
    func take(_ matches: (Herald_V1_CoreMessage) -> Bool) -> Int {
        messages.withLock { messages in
            let before = messages.count
            messages.removeAll(where: matches)
            return before - messages.count
        }
    }

    /// The first message matching `matches`, removed from the inbox; nil after `timeout`.
    func next(
        timeout: Duration = .seconds(10), _ matches: (Herald_V1_CoreMessage) -> Bool
    ) async throws -> Herald_V1_CoreMessage? {
        do {
            return try await waitFor("a message", within: timeout) {
                messages.withLock { messages -> Herald_V1_CoreMessage? in
                    guard let index = messages.firstIndex(where: matches) else { return nil }
                    return messages.remove(at: index)
                }
            }
        } catch is TimedOut {
            return nil
        }
    }
}

struct DeliveryExpected: Error, CustomStringConvertible {
    var description: String { "no delivery arrived in time" }
}
