import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Testing

@Suite struct RPCClientTests {
    /// This test's own directory; Swift Testing makes a new suite value for every test.
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "herald-rpc-client") }

    /// An endpoint nothing listens on. It is an `ipc://` path in this test's directory rather than a
    /// loopback port that was bound and closed: a closed port can be taken by another test running
    /// beside this one (or a connect to it can meet itself), and then calls reach a stranger.
    func deadEndpoint(_ name: String = "core") -> String {
        "ipc://\(directory.appending(name).path)"
    }

    @Test func aCoreThatIsNotThereIsUnavailableWithinTheTimeout() async throws {
        let endpoint = deadEndpoint()
        let client = try makeClient(endpoint)
        defer { client.close() }
        let started = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) {
            try await client.call(Methods.echo, violation("x"), as: Herald_V1_Status.self, timeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .unavailable)
        #expect(error?.message == "cannot reach the core at \(endpoint) within 0.3 s (is heraldd running?)")
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(10))
    }

    @Test func aClientReachesACoreThatStartsLater() async throws {
        // Start the client first, then the server on the endpoint it is trying to reach.
        let endpoint = deadEndpoint()
        let client = try makeClient(endpoint)
        defer { client.close() }
        let answer = Task { try await client.call(Methods.echo, violation("late"), as: Herald_V1_Status.self, timeout: .seconds(10)) }
        let server = try RPCServer(context: testContext, configuration: RPCServerConfiguration(endpoint: endpoint),
                                   router: .testRouter(), logger: testLogger)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let message = try await answer.value.message
        #expect(message == "echo:late")
    }

    /// Several cores, comma-separated: calls go to the ones that are there.
    @Test func aClientGivenSeveralCoresCallsTheOneThatIsThere() async throws {
        let dead = deadEndpoint()
        try await withServer { server in
            for list in ["\(dead),\(server.boundEndpoint)", "\(server.boundEndpoint) , \(dead)"] {
                let client = try makeClient(list)
                defer { client.close() }
                for index in 1...3 {
                    let answer = try await client.call(
                        Methods.echo, violation("n\(index)"), as: Herald_V1_Status.self, timeout: .seconds(10))
                    #expect(answer.message == "echo:n\(index)")
                }
            }
        }
    }

    @Test func aClosedClientFailsItsCallsAtOnce() async throws {
        let client = try makeClient(deadEndpoint())
        client.close()
        let started = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) {
            try await client.call(Methods.echo, violation("x"), as: Herald_V1_Status.self, timeout: .seconds(30))
        }
        #expect(error?.code == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func cancellingACallEndsItAtOnce() async throws {
        let client = try makeClient(deadEndpoint())
        defer { client.close() }
        let call = Task { try await client.call(Methods.echo, violation("x"), as: Herald_V1_Status.self, timeout: .seconds(30)) }
        call.cancel()
        let result = try await withTimeout("the cancelled call to end", within: .seconds(15)) { await call.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }

    /// Clients closed while their handshake is under way, on a context of their own:
    /// the context must still serve a call afterwards. (Closing a client's handshake
    /// monitor before its socket once left libzmq's I/O thread blocked on a report
    /// nobody would read, and every later call on the context timed out.)
    @Test func clientsClosedMidHandshakeLeaveTheContextWorking() async throws {
        let context = try ZMQContext()
        let server = try RPCServer(
            context: context, configuration: RPCServerConfiguration(endpoint: anyPort), router: .testRouter(),
            logger: testLogger)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        for _ in 0..<200 {
            try RPCClient(context: context, endpoint: server.boundEndpoint, logger: testLogger).close()
        }
        let client = try RPCClient(context: context, endpoint: server.boundEndpoint, logger: testLogger)
        defer { client.close() }
        let answer = try await client.call(Methods.echo, violation("after"), as: Herald_V1_Status.self, timeout: .seconds(10))
        #expect(answer.message == "echo:after")
    }
}
