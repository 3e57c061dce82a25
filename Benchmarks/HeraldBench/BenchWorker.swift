// A minimal channel worker inside the bench: a DEALER speaking the channel
// protocol that notes the wall-clock time each Delivery arrives and answers
// SENT at once. The lateness scenario compares those times with the due times
// it chose, which no RPC answer can give (they carry whole seconds).
import Foundation
import HeraldBus
import HeraldProto
import Logging
import SwiftProtobuf
import Synchronization

final class BenchWorker: Sendable {
    struct Received: Sendable {
        var deliveryID: String
        var bookingID: String
        var attempt: UInt32
        /// Milliseconds since the epoch, taken on the socket's thread as the message came in.
        var atMs: Double
    }

    struct State: Sendable {
        var welcomed = false
        var rejected: String?
        var received: [Received] = []
    }

    /// What the socket's thread and the bench share.
    final class Inbox: Sendable {
        let state = Mutex(State())
        let socket = Mutex<SocketThread?>(nil)
        /// Named in its registration and results.
        let provider: String

        init(provider: String) { self.provider = provider }

        func receive(_ frames: [Data]) {
            let atMs = Date().timeIntervalSince1970 * 1000
            guard frames.count == 1, let message = try? Herald_V1_CoreMessage(serializedBytes: frames[0]) else { return }
            switch message.body {
            case .welcome:
                state.withLock { $0.welcomed = true }
            case .reject(let reject):
                state.withLock { $0.rejected = reject.reason }
            case .delivery(let delivery):
                state.withLock {
                    $0.received.append(Received(
                        deliveryID: delivery.deliveryID, bookingID: delivery.bookingID, attempt: delivery.attempt, atMs: atMs))
                }
                send(.result(.with {
                    $0.deliveryID = delivery.deliveryID
                    $0.attempt = delivery.attempt
                    $0.outcome = .sent
                    $0.provider = provider
                    $0.providerMessageID = BenchWorker.messageID(delivery.deliveryID, attempt: delivery.attempt)
                }))
            case .heartbeat, .shutdown, .reportAck, .none:
                break
            }
        }

        func send(_ body: Herald_V1_WorkerMessage.OneOf_Body) {
            guard let frame = try? Herald_V1_WorkerMessage.with({ $0.body = body }).serializedData() else { return }
            socket.withLock { $0 }?.send([frame])
        }
    }

    let inbox: Inbox
    private let heartbeats: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(
        context: ZMQContext, endpoint: String, channel: String, instanceID: String, maxInFlight: Int,
        provider: String = "bench", accounts: [Herald_V1_ChannelAccount] = [], curve: CurveOptions? = nil, logger: Logger
    ) throws {
        let inbox = Inbox(provider: provider)
        self.inbox = inbox
        let socket = try SocketThread(
            context: context, kind: .dealer, name: "bench-worker", logger: logger,
            configure: { socket throws(ZMQError) in
                var options = ZMQSocketOptions()
                options.linger = .seconds(1)
                options.immediate = true
                options.curve = curve
                try socket.apply(options)
                try socket.connect(endpoint)
            },
            onMessage: { inbox.receive($0) })
        inbox.socket.withLock { $0 = socket }
        inbox.send(.register(.with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = channel
            $0.provider = provider
            $0.instanceID = instanceID
            $0.pluginVersion = "herald-bench"
            $0.maxInFlight = UInt32(maxInFlight)
            $0.accounts = accounts
        }))
        // The core retires a worker silent for three heartbeat intervals (15 s by default).
        heartbeats.withLock {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    inbox.send(.heartbeat(.with { $0.sentAtMs = Int64(Date().timeIntervalSince1970 * 1000) }))
                }
            }
        }
    }

    /// Waits until the core has welcomed this worker.
    func waitForWelcome(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (welcomed, rejected) = inbox.state.withLock { ($0.welcomed, $0.rejected) }
            if let rejected { throw BenchError("the core rejected the bench worker: \(rejected)") }
            if welcomed { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("the core did not welcome the bench worker within \(timeout)")
    }

    /// The provider message id a delivery's SENT names.
    static func messageID(_ deliveryID: String, attempt: UInt32) -> String { "bench-\(deliveryID)-\(attempt)" }

    var received: [Received] { inbox.state.withLock { $0.received } }
    var receivedCount: Int { inbox.state.withLock { $0.received.count } }

    func stop() {
        heartbeats.withLock { $0?.cancel() }
        inbox.send(.goodbye(.with { $0.reason = "bench done" }))
        inbox.socket.withLock { $0?.stop() }
    }
}
