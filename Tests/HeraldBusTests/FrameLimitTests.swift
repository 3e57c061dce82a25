import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Synchronization
import Testing

/// Every socket that receives refuses a frame over its ``FrameLimits`` value:
/// libzmq closes that one connection before the frame is allocated, and the
/// socket goes on serving everyone else.
@Suite struct FrameLimitTests {
    /// What a socket's thread received, for the test to read.
    final class Collected<Item: Sendable>: Sendable {
        private let items = Mutex<[Item]>([])
        func append(_ item: Item) { items.withLock { $0.append(item) } }
        var all: [Item] { items.withLock { $0 } }
    }

    /// A raw socket a test drives by hand, collecting what it receives.
    final class RawPeer: Sendable {
        let socket: SocketThread
        let received = Collected<[Data]>()

        init(_ kind: ZMQSocket.Kind, bind: String? = nil, connect: String? = nil) throws {
            let received = self.received
            socket = try SocketThread(
                context: testContext, kind: kind, name: "raw-peer", logger: testLogger,
                configure: { socket throws(ZMQError) in
                    try socket.apply(ZMQSocketOptions(linger: .zero))
                    if let bind { try socket.bind(bind) }
                    if let connect { try socket.connect(connect) }
                },
                onMessage: { frames in received.append(frames) })
        }

        var messages: [[Data]] { received.all }
        deinit { socket.stop() }
    }

    @Test func aRouterEndpointDropsAnOversizedFrameAndServesOthers() async throws {
        let endpoint = try RouterEndpoint(context: testContext, configuration: .init(endpoint: anyPort), logger: testLogger)
        defer { endpoint.close() }
        let received = Collected<RouterMessage>()
        let consumer = Task { for await message in endpoint.messages { received.append(message) } }
        defer { consumer.cancel() }

        let hostile = try RawPeer(.dealer, connect: endpoint.boundEndpoint)
        hostile.socket.send([Data(count: Int(FrameLimits.core) + 1)])
        let honest = try RawPeer(.dealer, connect: endpoint.boundEndpoint)
        honest.socket.send([Data("hello".utf8)])
        try await eventually("the honest peer's message", within: .seconds(20)) {
            received.all.contains { $0.payload == Data("hello".utf8) }
        }

        // A fresh connection of the hostile peer is served like any other.
        let again = try RawPeer(.dealer, connect: endpoint.boundEndpoint)
        again.socket.send([Data(count: Int(FrameLimits.core))])
        try await eventually("a frame at the limit", within: .seconds(20)) {
            received.all.contains { $0.payload.count == Int(FrameLimits.core) }
        }
        #expect(received.all.allSatisfy { $0.payload.count <= Int(FrameLimits.core) })
    }

    /// A hostile core (or an impostor where the core should be) cannot make a
    /// client allocate more than the limit: the oversized answer never arrives
    /// and the call fails with a status. libzmq treats the frame as a protocol
    /// error and does not reconnect that socket; the next client does.
    @Test func anRPCClientRefusesAnOversizedResponse() async throws {
        let core = try RawPeer(.router, bind: anyPort)
        let answering = Task {
            var answered = 0
            while !Task.isCancelled {
                for frames in core.messages.dropFirst(answered) {
                    let request = try Herald_V1_RpcRequest(serializedBytes: frames[1])
                    var response = Herald_V1_RpcResponse()
                    response.id = request.id
                    response.payload = Data(count: request.method.hasSuffix("Oversized") ? Int(FrameLimits.rpcResponse) + 1 : 1)
                    core.socket.send([frames[0], try response.serializedData()])
                    answered += 1
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        defer { answering.cancel() }

        let victim = try RPCClient(context: testContext, endpoint: core.socket.lastEndpoint, logger: testLogger)
        defer { victim.close() }
        let error = await #expect(throws: RPCError.self) {
            _ = try await victim.call("/test/Oversized", payload: Data(), timeout: .seconds(2))
        }
        // No answer in time (or, on a machine too busy to connect in 2 s, no connection).
        #expect([.deadlineExceeded, .unavailable].contains(error?.code))

        let next = try RPCClient(context: testContext, endpoint: core.socket.lastEndpoint, logger: testLogger)
        defer { next.close() }
        let answer = try await next.call("/test/Small", payload: Data(), timeout: .seconds(10))
        #expect(answer.count == 1)
    }

    /// A subscriber that is sent an oversized event never sees it; the publisher
    /// goes on serving its other subscribers.
    @Test func anEventSubscriberRefusesAnOversizedEvent() async throws {
        let publisher = try EventPublisher(context: testContext, endpoint: anyPort, logger: testLogger)
        defer { publisher.close() }
        let everything = try EventSubscriber(context: testContext, endpoint: publisher.boundEndpoint, logger: testLogger)
        defer { everything.close() }
        let smallOnly = try EventSubscriber(
            context: testContext, endpoint: publisher.boundEndpoint, topics: ["small"], logger: testLogger)
        defer { smallOnly.close() }
        let received = Collected<PublishedEvent>()
        let reader = Task { for await event in everything.events { received.append(event) } }
        defer { reader.cancel() }

        // Both subscriptions are in place once each has had an event (the slow joiner).
        var small = smallOnly.events.makeAsyncIterator()
        try await withTimeout("both subscribers", within: .seconds(10)) {
            while received.all.isEmpty {
                publisher.publish(topic: "small", payload: Data("before".utf8))
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        _ = await small.next()
        publisher.publish(topic: "big", payload: Data(count: Int(FrameLimits.event) + 1))
        publisher.publish(topic: "small", payload: Data("after".utf8))
        var after: PublishedEvent?
        while let event = await small.next() {
            if event.payload == Data("after".utf8) { after = event; break }
        }
        #expect(after != nil)
        #expect(received.all.allSatisfy { $0.topic == "small" })
    }
}
