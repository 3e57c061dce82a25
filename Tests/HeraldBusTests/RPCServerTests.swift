import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Synchronization
import Testing

@Suite struct RPCServerTests {
    @Test func aRequestGetsItsAnswer() async throws {
        try await withServer { server in
            #expect(!server.boundEndpoint.hasSuffix(":*"))
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let answer = try await client.call(Methods.echo, violation("hello"), as: Herald_V1_Status.self)
            #expect(answer.message == "echo:hello")
        }
    }

    @Test func manyClientsAtOnceEachGetTheirOwnAnswers() async throws {
        try await withServer { server in
            let endpoint = server.boundEndpoint
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for clientNumber in 0..<20 {
                    group.addTask {
                        let client = try makeClient(endpoint)
                        defer { client.close() }
                        // Each client's calls are in flight together, too.
                        return try await withThrowingTaskGroup(of: Bool.self) { calls in
                            for call in 0..<25 {
                                calls.addTask {
                                    let tag = "c\(clientNumber)-\(call)"
                                    let answer = try await client.call(Methods.echo, violation(tag), as: Herald_V1_Status.self)
                                    return answer.message == "echo:\(tag)"
                                }
                            }
                            var matched = 0
                            for try await ok in calls where ok { matched += 1 }
                            return matched
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(answered == 20 * 25)
        }
    }

    @Test func anUnknownMethodIsUnimplemented() async throws {
        try await withServer { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) {
                try await client.call("/herald.v1.Admin/NoSuchThing", violation("x"), as: Herald_V1_Status.self)
            }
            #expect(error?.code == .unimplemented)
            #expect(error?.message.contains("herald.v1.Admin/NoSuchThing") == true)
        }
    }

    @Test func aHugeUnknownMethodIsNotEchoedBackWhole() async throws {
        try await withServer { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let method = "/x/" + String(repeating: "A", count: 100_000)
            let error = await #expect(throws: RPCError.self) {
                try await client.call(method, violation("x"), as: Herald_V1_Status.self)
            }
            #expect(error?.code == .unimplemented)
            #expect((error?.message.count ?? .max) < 300, "\(error?.message.count ?? 0) characters")
        }
    }

    @Test func aPayloadThatDoesNotDecodeIsAnInvalidArgument() async throws {
        try await withServer { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) {
                // 0xFF starts a field with wire type 7, which does not exist.
                try await client.call(Methods.echo, payload: Data([0xFF, 0xFF, 0xFF, 0xFF]))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("herald.v1.FieldViolation") == true)
        }
    }

    @Test func aHandlerErrorArrivesWithItsCodeMessageAndDetails() async throws {
        try await withServer { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) {
                try await client.call(Methods.missing, violation("bk_42"), as: Herald_V1_Status.self)
            }
            #expect(error?.code == .notFound)
            #expect(error?.message == "booking bk_42 not found")
            #expect(error?.details == [violation("booking_id", "no booking with this id")])
        }
    }

    @Test func anyOtherHandlerErrorIsInternalAndDoesNotLeak() async throws {
        try await withServer { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) {
                try await client.call(Methods.crash, violation("x"), as: Herald_V1_Status.self)
            }
            #expect(error?.code == .internal)
            #expect(error?.message.contains("SecretFailure") == false)
            // The server survives it.
            let answer = try await client.call(Methods.echo, violation("after"), as: Herald_V1_Status.self)
            #expect(answer.message == "echo:after")
        }
    }

    @Test func aSlowHandlerGetsDeadlineExceededWhileOthersAreServed() async throws {
        let probe = HandlerProbe()
        // The server caps every deadline at 15 s although the client would wait 60 s,
        // so the DEADLINE_EXCEEDED seen below can only come from the server. (15 s
        // leaves room for the echo calls on a busy machine: 5 s was once not enough
        // while the end-to-end suites ran alongside.)
        try await withServer(.testRouter(probe: probe), configure: { $0.maxTimeout = .seconds(15) }) { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let slowFinished = Atomic<Bool>(false)
            async let slow: RPCError? = {
                defer { slowFinished.store(true, ordering: .relaxed) }
                do {
                    _ = try await client.call(Methods.slow, violation("s"), as: Herald_V1_Status.self, timeout: .seconds(60))
                    return nil
                } catch let error as RPCError {
                    return error
                }
            }()
            try await eventually("the slow handler to start") { probe.slowStarted.load(ordering: .relaxed) == 1 }
            for index in 0..<5 {
                let answer = try await client.call(Methods.echo, violation("\(index)"), as: Herald_V1_Status.self)
                #expect(answer.message == "echo:\(index)")
            }
            #expect(slowFinished.load(ordering: .relaxed) == false, "echo calls were answered while the slow one was pending")

            let started = ContinuousClock.now
            let error = try await slow
            #expect(error?.code == .deadlineExceeded)
            #expect(error?.message.contains("did not finish within 15000 ms") == true)
            #expect(ContinuousClock.now - started < .seconds(45))
            try await eventually("the slow handler to be cancelled") { probe.slowCancelled.load(ordering: .relaxed) == 1 }
        }
    }

    @Test func requestsBeyondTheConcurrencyLimitAreResourceExhausted() async throws {
        let probe = HandlerProbe()
        try await withServer(.testRouter(probe: probe), configure: { $0.maxConcurrentRequests = 1 }) { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            // A deadline long enough that the request still reaches its handler when the
            // whole suite starts at once on two busy cores (1 s expired in the queue once);
            // the test waits for it, so it sets how long the test takes.
            let slow = Task { try await client.call(Methods.slow, violation("s"), as: Herald_V1_Status.self, timeout: .seconds(8)) }
            try await eventually("the slow handler to start", within: .seconds(60)) { probe.slowStarted.load(ordering: .relaxed) == 1 }
            let error = await #expect(throws: RPCError.self) {
                try await client.call(Methods.echo, violation("x"), as: Herald_V1_Status.self)
            }
            #expect(error?.code == .resourceExhausted)
            _ = await slow.result
        }
    }

    @Test func malformedInputIsDroppedCountedAndUnanswered() async throws {
        try await withServer { server in
            let raw = try RawDealer(connectingTo: server.boundEndpoint)
            #expect(server.droppedFrames == 0)
            raw.send([Data([0xFF, 0xFE, 0x00, 0x13, 0x37])])         // bytes that are no RpcRequest
            raw.send([Data()])                                       // an empty frame
            raw.send([Data("a".utf8), Data("b".utf8), Data("c".utf8)])  // three frames
            raw.send([Data([0x2A, 0x00])])                           // decodes, but has neither id nor method
            try await eventually("four drops to be counted") { server.droppedFrames == 4 }

            // A valid request from the same peer is answered, and its answer is the
            // first thing the peer receives: nothing was sent back for the garbage.
            var request = Herald_V1_RpcRequest()
            request.id = "raw-1"
            request.method = Methods.echo
            request.payload = try violation("raw").serializedData()
            raw.send([try request.serializedData()])
            let first = try await withTimeout("the answer to the raw request", within: .seconds(10)) {
                var iterator = raw.received.makeAsyncIterator()
                return await iterator.next()
            }
            let frames = try #require(first)
            #expect(frames.count == 1)
            let response = try Herald_V1_RpcResponse(serializedBytes: frames[0])
            #expect(response.id == "raw-1")
            #expect(response.status.code == .ok)

            // And a normal client is still served.
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let answer = try await client.call(Methods.echo, violation("ok"), as: Herald_V1_Status.self)
            #expect(answer.message == "echo:ok")
            #expect(server.droppedFrames == 4)
        }
    }

    @Test func bindingABusyEndpointFailsWithEADDRINUSE() async throws {
        try await withServer { server in
            let error = #expect(throws: ZMQError.self) {
                _ = try RPCServer(context: testContext, configuration: RPCServerConfiguration(endpoint: server.boundEndpoint),
                                  router: RPCRouter(), logger: testLogger)
            }
            #expect(error?.code == .EADDRINUSE)
            #expect(error?.errno == EADDRINUSE)
            #expect(error?.endpoint == server.boundEndpoint)
            if let error {
                switch error {
                case .EADDRINUSE: break
                default: Issue.record("case .EADDRINUSE did not match \(error)")
                }
            }
        }
    }

    @Test func cancellingRunShutsTheServerDownPromptly() async throws {
        let server = try RPCServer(context: testContext, configuration: RPCServerConfiguration(endpoint: anyPort),
                                   router: .testRouter(), logger: testLogger)
        let client = try makeClient(server.boundEndpoint)
        defer { client.close() }
        let running = Task { try await server.run() }
        // Serving first, so the cancellation hits a server that is really running.
        _ = try await client.call(Methods.echo, violation("x"), as: Herald_V1_Status.self)
        let started = ContinuousClock.now
        running.cancel()
        try await withTimeout("run() to return after cancellation", within: .seconds(25)) { try await running.value }
        // Well under the 30 s request deadline a server that ignored cancellation would sit out.
        #expect(ContinuousClock.now - started < .seconds(10))

        // The port is free again once the socket is closed (libzmq releases it asynchronously).
        try await eventually("the port to be released") {
            (try? RPCServer(context: testContext, configuration: RPCServerConfiguration(endpoint: server.boundEndpoint),
                            router: RPCRouter(), logger: testLogger)) != nil
        }
    }
}
