import Foundation
import HeraldBus
import HeraldTesting
import Testing

@Suite struct ZMQTests {
    @Test func errorsKeepErrnoOperationAndEndpoint() throws {
        let socket = try ZMQSocket(context: testContext, kind: .router)
        defer { socket.close() }
        let error = #expect(throws: ZMQError.self) { try socket.bind("tcp://not a valid endpoint") }
        #expect(error?.errno == EINVAL)
        #expect(error?.operation == "bind")
        #expect(error?.endpoint == "tcp://not a valid endpoint")
        #expect(error?.description.contains("Invalid argument") == true)
    }

    @Test func aReceiveWithNothingReadyIsEAGAIN() throws {
        let socket = try ZMQSocket(context: testContext, kind: .dealer)
        defer { socket.close() }
        do {
            _ = try socket.receive(dontWait: true)
            Issue.record("receive returned a message from nowhere")
        } catch ZMQError.Code.EAGAIN {
            // expected
        }
    }

    @Test func socketThreadsExchangeMultipartMessagesIncludingEmptyFrames() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: [Data].self)
        let receiver = try SocketThread(
            context: testContext, kind: .pair, name: "pair-a", logger: testLogger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(linger: .zero))
                try socket.bind(anyPort)
            },
            onMessage: { continuation.yield($0) }, onStop: { continuation.finish() })
        defer { receiver.stop() }
        let sender = try SocketThread(
            context: testContext, kind: .pair, name: "pair-b", logger: testLogger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(linger: .zero))
                try socket.connect(receiver.lastEndpoint)
            })
        defer { sender.stop() }
        let frames = [Data("one".utf8), Data(), Data([0, 1, 2])]
        sender.send(frames)
        let received = try await withTimeout("the multipart message", within: .seconds(10)) {
            var iterator = stream.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(received == frames)
    }

    @Test func aMessageNobodyTakesExpiresAtItsDeadline() async throws {
        // IMMEDIATE with no peer: libzmq never takes the message.
        let socket = try SocketThread(
            context: testContext, kind: .dealer, name: "lonely", logger: testLogger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(linger: .zero, immediate: true))
                try socket.connect("tcp://127.0.0.1:1")
            })
        defer { socket.stop() }
        let started = ContinuousClock.now
        let outcome = try await withTimeout("the send outcome", within: .seconds(15)) {
            await withCheckedContinuation { continuation in
                socket.send([Data("x".utf8)], deadline: .now + .milliseconds(100)) { continuation.resume(returning: $0) }
            }
        }
        #expect(outcome == .expired)
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }

    @Test func curveKeyPairsAreZ85() throws {
        try #require(CurveOptions.isAvailable)
        let pair = try CurveOptions.generateKeyPair()
        #expect(pair.publicKey.count == 40)
        #expect(pair.secretKey.count == 40)
        #expect(pair.publicKey != pair.secretKey)
    }
}
