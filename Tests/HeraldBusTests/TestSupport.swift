import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

/// One context for the whole test process, as in the real binaries.
let testContext: ZMQContext = try! ZMQContext()

/// Quiet unless something is really wrong; set HERALD_TEST_LOG=debug to see everything.
let testLogger: Logger = {
    var logger = Logger(label: "herald.bus.tests")
    logger.logLevel = ProcessInfo.processInfo.environment["HERALD_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// Every test binds a free port on loopback.
let anyPort = "tcp://127.0.0.1:*"

/// Runs a server for the duration of `body`, then cancels it and waits for `run()` to return.
func withServer<T: Sendable>(
    _ router: RPCRouter = .testRouter(),
    configure: (inout RPCServerConfiguration) -> Void = { _ in },
    _ body: (RPCServer) async throws -> T
) async throws -> T {
    var configuration = RPCServerConfiguration(endpoint: anyPort)
    configure(&configuration)
    let server = try RPCServer(context: testContext, configuration: configuration, router: router, logger: testLogger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        defer { group.cancelAll() }
        return try await body(server)
    }
}

func makeClient(_ endpoint: String) throws -> RPCClient {
    try RPCClient(context: testContext, endpoint: endpoint, logger: testLogger)
}

func violation(_ field: String, _ description: String = "") -> Herald_V1_FieldViolation {
    var message = Herald_V1_FieldViolation()
    message.field = field
    message.description_p = description
    return message
}

/// A DEALER that sends whatever frames a test wants, to play a broken or hostile client.
final class RawDealer: Sendable {
    let socket: SocketThread
    let received: AsyncStream<[Data]>

    init(connectingTo endpoint: String) throws {
        let (stream, continuation) = AsyncStream.makeStream(of: [Data].self)
        received = stream
        socket = try SocketThread(
            context: testContext, kind: .dealer, name: "raw-dealer", logger: testLogger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(linger: .zero))
                try socket.connect(endpoint)
            },
            onMessage: { continuation.yield($0) },
            onStop: { continuation.finish() })
    }

    func send(_ frames: [Data]) { socket.send(frames) }

    deinit { socket.stop() }
}

/// Observations the test handlers leave behind.
final class HandlerProbe: Sendable {
    let slowStarted = Atomic<Int>(0)
    let slowCancelled = Atomic<Int>(0)
    let gateReached = Atomic<Bool>(false)
    let gateOpen = Atomic<Bool>(false)
}

enum Methods {
    static let echo = "/test.v1.Echo/Echo"
    static let slow = "/test.v1.Echo/Slow"
    static let missing = "/test.v1.Echo/Missing"
    static let crash = "/test.v1.Echo/Crash"
    static let gate = "/test.v1.Echo/Gate"
}

struct SecretFailure: Error {}

extension RPCRouter {
    /// Echo answers `Status{message: "echo:<field>"}` for a `FieldViolation{field}`;
    /// Slow waits until cancelled; Missing throws NOT_FOUND with details; Crash throws a non-RPC error;
    /// Gate waits until the test opens the probe's gate.
    static func testRouter(probe: HandlerProbe = HandlerProbe()) -> RPCRouter {
        var router = RPCRouter()
        router.register(Methods.echo) { (request: Herald_V1_FieldViolation, context: RPCContext) in
            var status = Herald_V1_Status()
            status.message = "echo:\(request.field)"
            return status
        }
        router.register(Methods.slow) { (request: Herald_V1_FieldViolation, context: RPCContext) -> Herald_V1_Status in
            probe.slowStarted.add(1, ordering: .relaxed)
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                probe.slowCancelled.add(1, ordering: .relaxed)
                throw error
            }
            return Herald_V1_Status()
        }
        // Registered without the leading "/" to show both spellings reach it.
        router.register(String(Methods.missing.dropFirst())) { (request: Herald_V1_FieldViolation, context: RPCContext) -> Herald_V1_Status in
            throw RPCError(code: .notFound, message: "booking \(request.field) not found",
                           details: [violation("booking_id", "no booking with this id")])
        }
        router.register(Methods.crash) { (request: Herald_V1_FieldViolation, context: RPCContext) -> Herald_V1_Status in
            throw SecretFailure()
        }
        router.register(Methods.gate) { (request: Herald_V1_FieldViolation, context: RPCContext) -> Herald_V1_Status in
            probe.gateReached.store(true, ordering: .relaxed)
            while !probe.gateOpen.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(5)) }
            var status = Herald_V1_Status()
            status.message = "through:\(request.field)"
            return status
        }
        return router
    }
}
