import Foundation
import HeraldProto
import Logging
import SwiftProtobuf
import Synchronization

/// Calls an ``RPCServer`` over a DEALER socket: many calls in flight from many
/// tasks at once, answers matched to calls by request id.
///
/// The DEALER has IMMEDIATE set, so a request is handed only to a connected
/// core and never parked for one that is not there. That gives the two timeout
/// errors a person can act on:
///
/// - the request could not be handed to a core before the timeout:
///   `UNAVAILABLE` "cannot reach the core at ... (is heraldd running?)";
/// - it was sent but no answer came in time: `DEADLINE_EXCEEDED`.
///
/// Either way the call returns within its timeout; it never hangs.
///
/// `endpoint` may list several cores, comma-separated (``CoreEndpoints``): the
/// DEALER connects to each, and requests go to the connected ones in turn.
public final class RPCClient: Sendable {
    public let endpoint: String
    private let socket: SocketThread
    private let calls: PendingCalls
    private let idPrefix: String
    private let nextID = Atomic<UInt64>(0)
    private let logger: Logger
    /// Why the core refused the handshake, if it did, for a clearer UNAVAILABLE.
    private let monitor: HandshakeMonitor?

    /// Starts the socket's thread and connects; libzmq keeps connecting in the
    /// background, so this succeeds even when nothing listens yet.
    ///
    /// - Parameter closeOnRefusedHandshake: when the core refuses the handshake
    ///   (a key it does not admit, CURVE on one side only), close the client at
    ///   once and fail its calls with the reason, instead of retrying until each
    ///   call's timeout. For one-shot tools like the CLI; a long-lived client
    ///   keeps retrying, since the key may be admitted by a reload. Closing also
    ///   discards the queued requests, so none can run later unannounced.
    public init(
        context: ZMQContext, endpoint: String, curve: CurveOptions? = nil, closeOnRefusedHandshake: Bool = false,
        logger: Logger
    ) throws(ZMQError) {
        let calls = PendingCalls(logger: logger)
        self.endpoint = endpoint
        self.calls = calls
        self.logger = logger
        // Ids only need to be unique among this client's calls in flight; the random
        // prefix also keeps them apart from other clients' in the core's logs.
        self.idPrefix = String(UInt32.random(in: .min ... .max), radix: 36)
        var monitor: HandshakeMonitor?
        let ownSocket = LateRef<SocketThread>()
        let ownMonitor = LateRef<HandshakeMonitor>()
        // Why the core refused us, for calls that the closing socket fails.
        let refusal = Refusal()
        self.socket = try SocketThread(
            context: context, kind: .dealer, name: "rpc-client", logger: logger,
            configure: { socket throws(ZMQError) in
                monitor = try HandshakeMonitor(
                    watching: socket, usingCurve: curve != nil, context: context, logger: logger,
                    onFailure: { reason in
                        guard closeOnRefusedHandshake else { return }
                        refusal.reason.withLock { $0 = reason }
                        calls.failAll(.unavailable(reason))
                        ownSocket.value?.stop()
                    })
                try socket.apply(ZMQSocketOptions(
                    linger: .zero,  // a request nobody took is worthless once the client is gone
                    maxMessageSize: FrameLimits.rpcResponse,
                    immediate: true,
                    heartbeatInterval: .seconds(2),
                    heartbeatTimeout: .seconds(6),
                    curve: curve))
                for core in CoreEndpoints.split(endpoint) { try socket.connect(core) }
            },
            onMessage: { frames in calls.deliver(frames) },
            // A call that began while a refused handshake closed the socket hears why.
            onStop: {
                calls.failAll(.unavailable(
                    refusal.reason.withLock { $0 } ?? "the client for \(endpoint) was closed"))
                ownMonitor.value?.close() // only now that the socket is closed (see HandshakeMonitor)
            })
        self.monitor = monitor
        ownMonitor.value = monitor
        ownSocket.value = socket
        // The refusal may have come while this initializer ran, before the socket was known.
        if closeOnRefusedHandshake, monitor?.lastFailure != nil { socket.stop() }
    }

    deinit { close() }

    /// Stops the socket's thread; calls still waiting fail with `UNAVAILABLE`.
    public func close() {
        socket.stop() // and then, on the socket's thread, the monitor
    }

    /// Why a request could not be handed to the core.
    private func unreachable(_ seconds: String) -> RPCError {
        .unavailable(monitor?.lastFailure
            ?? "cannot reach the core at \(endpoint) within \(seconds) s (is heraldd running?)")
    }

    /// Calls `method` with a typed request and decodes the typed response.
    ///
    /// - Parameters:
    ///   - method: e.g. "/herald.v1.Admin/CreateBooking".
    ///   - timeout: the whole call's budget; it is also sent to the server as `timeout_ms`.
    /// - Throws: ``RPCError`` with the server's status, or `UNAVAILABLE` / `DEADLINE_EXCEEDED` as described above.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        _ request: Request,
        as responseType: Response.Type = Response.self,
        timeout: Duration = .seconds(10),
        metadata: [String: String] = [:]
    ) async throws -> Response {
        let payload = try await call(method, payload: try request.serializedData(), timeout: timeout, metadata: metadata)
        do {
            return try Response(serializedBytes: payload)
        } catch {
            throw RPCError.internal("the answer to \(method) is not a valid \(Response.protoMessageName)")
        }
    }

    /// Calls `method` with an already serialized payload and returns the response payload.
    public func call(
        _ method: String,
        payload: Data,
        timeout: Duration = .seconds(10),
        metadata: [String: String] = [:]
    ) async throws -> Data {
        let id = "\(idPrefix)-\(nextID.add(1, ordering: .relaxed).newValue)"
        var request = Herald_V1_RpcRequest()
        request.id = id
        request.method = method
        request.timeoutMs = UInt32(clamping: max(1, timeout.roundedUpMilliseconds))
        request.metadata = metadata
        request.payload = payload
        let frame = try request.serializedData()
        let deadline = ContinuousClock.now + timeout
        let seconds = Self.format(timeout)
        let endpoint = self.endpoint

        let response = try await withThrowingTaskGroup(of: Herald_V1_RpcResponse.self) { group in
            group.addTask {
                try await self.calls.wait(id: id) {
                    self.socket.send([frame], deadline: deadline) { outcome in
                        switch outcome {
                        case .sent:
                            self.calls.markSent(id: id)
                        case .expired:
                            self.calls.fail(id: id, with: self.unreachable(seconds))
                        case .failed(let error):
                            self.calls.fail(id: id, with: .unavailable("cannot send to the core at \(endpoint): \(error)"))
                        case .stopped:
                            self.calls.fail(id: id, with: .unavailable(
                                self.monitor?.lastFailure ?? "the client for \(endpoint) was closed"))
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw self.calls.timeOut(id: id,
                    unsent: self.unreachable(seconds),
                    unanswered: .deadlineExceeded("no answer from the core at \(endpoint) within \(seconds) s"))
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }

        guard response.status.code == .ok else { throw RPCError(status: response.status) }
        return response.payload
    }

    /// "0.3" or "10" — how a person writes a timeout.
    static func format(_ duration: Duration) -> String {
        let ms = duration.roundedUpMilliseconds
        return ms % 1000 == 0 ? "\(ms / 1000)" : String(format: "%.3g", Double(ms) / 1000)
    }
}

/// The calls waiting for an answer, keyed by request id. Resumed from the
/// socket's thread (answers, send outcomes) or from the caller's timer, exactly once.
final class PendingCalls: Sendable {
    struct Call {
        var continuation: CheckedContinuation<Herald_V1_RpcResponse, any Error>
        var sent = false
    }

    private let calls = Mutex<[String: Call]>([:])
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Registers the call, runs `start` (which queues the request), and waits for its outcome.
    func wait(id: String, start: () -> Void) async throws -> Herald_V1_RpcResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                calls.withLock { $0[id] = Call(continuation: continuation) }
                // Checked after registering: a cancellation that came first is seen here.
                if Task.isCancelled {
                    resume(id: id, with: .failure(CancellationError()))
                } else {
                    start()
                }
            }
        } onCancel: {
            self.resume(id: id, with: .failure(CancellationError()))
        }
    }

    func markSent(id: String) {
        calls.withLock { $0[id]?.sent = true }
    }

    func fail(id: String, with error: RPCError) {
        resume(id: id, with: .failure(error))
    }

    /// Ends a call whose time is up, with the error that says how far it got.
    func timeOut(id: String, unsent: RPCError, unanswered: RPCError) -> RPCError {
        let call = calls.withLock { $0.removeValue(forKey: id) }
        let error = call?.sent == true ? unanswered : unsent
        call?.continuation.resume(throwing: error)
        return error
    }

    func deliver(_ frames: [Data]) {
        guard frames.count == 1, let response = try? Herald_V1_RpcResponse(serializedBytes: frames[0]) else {
            logger.warning("dropped a message from the core that is not an RpcResponse", metadata: ["frames": "\(frames.count)"])
            return
        }
        guard let call = calls.withLock({ $0.removeValue(forKey: response.id) }) else {
            // Typically an answer that arrived after the call timed out.
            logger.debug("dropped an answer to no pending call", metadata: ["rpc.id": "\(response.id)"])
            return
        }
        call.continuation.resume(returning: response)
    }

    func failAll(_ error: RPCError) {
        let all = calls.withLock { calls in
            defer { calls.removeAll() }
            return calls
        }
        for call in all.values { call.continuation.resume(throwing: error) }
    }

    private func resume(id: String, with result: Result<Herald_V1_RpcResponse, any Error>) {
        calls.withLock { $0.removeValue(forKey: id) }?.continuation.resume(with: result)
    }
}

/// The reason a refused handshake closed a client's socket.
private final class Refusal: Sendable {
    let reason = Mutex<String?>(nil)
}
