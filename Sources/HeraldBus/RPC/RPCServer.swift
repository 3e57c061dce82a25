import Foundation
import HeraldProto
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// The core's admin endpoint: a ROUTER that answers ``Herald_V1_RpcRequest``s by
/// dispatching on the method name to the handlers of an ``RPCRouter``.
///
/// - Each request runs in its own child task, so a slow handler never holds up
///   the others; at most ``RPCServerConfiguration/maxConcurrentRequests`` run at
///   once and the rest are answered `RESOURCE_EXHAUSTED` straight away.
/// - Each request has a deadline: its `timeout_ms` (or the default), capped by
///   the server's maximum. When it passes the client gets `DEADLINE_EXCEEDED`,
///   the handler's task is cancelled, and its late answer is dropped.
/// - Statuses: an ``RPCError`` thrown by a handler is sent as is, an
///   ``RPCStatusConvertible`` as its ``RPCStatusConvertible/rpcError``; any other error
///   becomes `INTERNAL` with a generic message (the error itself is logged); an
///   unknown method is `UNIMPLEMENTED`; a payload that does not decode as the
///   method's request type is `INVALID_ARGUMENT`.
/// - With ``RPCServerConfiguration/authorize`` set, a request it refuses gets
///   that error and never reaches its handler.
/// - Input that is not a request at all (extra frames, an empty frame, bytes
///   that are not an `RpcRequest`, a request without id or method) gets no
///   answer: it is dropped, counted in ``droppedFrames`` and logged.
///
/// The server binds in `init` and serves in ``run()`` until graceful shutdown or
/// cancellation. On graceful shutdown it stops taking requests, lets those in
/// flight answer, and closes.
public final class RPCServer: Service, Sendable {
    public let configuration: RPCServerConfiguration
    /// The endpoint actually bound, with a wildcard port resolved.
    public var boundEndpoint: String { endpoint.boundEndpoint }
    /// Messages dropped as malformed since the server bound.
    public var droppedFrames: UInt64 { endpoint.droppedFrames }

    private let endpoint: RouterEndpoint
    private let router: RPCRouter
    private let logger: Logger
    private let inFlight = Atomic<Int>(0)
    private let deadlines = RPCDeadlines()
    private let started = Atomic<Bool>(false)
    static let closingGrace = Duration.milliseconds(250)

    /// Binds the endpoint; a bad or busy endpoint throws a ``ZMQError`` that names it.
    public init(context: ZMQContext, configuration: RPCServerConfiguration, router: RPCRouter, logger: Logger) throws(ZMQError) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.endpoint = try RouterEndpoint(
            context: context,
            configuration: RouterEndpoint.Configuration(
                endpoint: configuration.endpoint,
                framesPerMessage: 1,
                maxMessageSize: configuration.maxMessageSize,
                curve: configuration.curve,
                droppedFramesCounter: configuration.droppedFramesCounter),
            logger: logger)
    }

    deinit { endpoint.close() }

    /// Serves until graceful shutdown or cancellation, then closes the endpoint.
    ///
    /// On graceful shutdown, requests already taken are answered before it
    /// returns; on cancellation their handlers are cancelled too.
    public func run() async throws {
        guard !started.exchange(true, ordering: .relaxed) else {
            logger.error("RPCServer.run() called twice; the second call returns at once")
            return
        }
        logger.info("serving RPC", metadata: ["endpoint": "\(boundEndpoint)", "methods": "\(router.methods.count)"])
        // One task watches every request's deadline (RPCDeadlines.swift); it stops
        // once the requests in flight have all answered.
        await withDiscardingTaskGroup { watching in
            watching.addTask { await self.deadlines.watch() }
            await serveRequests()
            watching.cancelAll()
        }
        // A client with IMMEDIATE set discards answers it has received but not yet
        // read once the connection drops, so give the last answers a moment to be
        // read before closing. Not on cancellation: that asks for a prompt stop.
        if !Task.isCancelled {
            try? await Task.sleep(for: Self.closingGrace)
        }
        endpoint.close()
        logger.info("RPC server stopped", metadata: ["endpoint": "\(boundEndpoint)"])
    }

    /// Takes requests until the endpoint's stream ends, each in a child task.
    private func serveRequests() async {
        await withDiscardingTaskGroup { group in
            for await message in endpoint.messages.cancelOnGracefulShutdown() {
                guard let request = decode(message) else { continue }
                let admitted = inFlight.add(1, ordering: .relaxed).newValue
                guard admitted <= configuration.maxConcurrentRequests else {
                    inFlight.subtract(1, ordering: .relaxed)
                    reply(to: message.peer, request: request, result: .failure(.resourceExhausted(
                        "the core is handling \(configuration.maxConcurrentRequests) requests already; retry shortly")))
                    continue
                }
                let received = ContinuousClock.now
                group.addTask {
                    defer { self.inFlight.subtract(1, ordering: .relaxed) }
                    await self.serve(request, from: message.peer, userID: message.userID, receivedAt: received)
                }
            }
            // Leaving the body waits for the requests in flight; their deadlines bound the wait.
        }
    }

    /// Closes the endpoint, which ends ``run()``; for owners that do not use cancellation.
    public func close() { endpoint.close() }

    // MARK: Requests

    /// Turns a frame into a request, or drops it. Random bytes sometimes parse as a
    /// protobuf made of unknown fields, hence the id and method checks.
    private func decode(_ message: RouterMessage) -> Herald_V1_RpcRequest? {
        guard let request = try? Herald_V1_RpcRequest(serializedBytes: message.payload) else {
            endpoint.drop(message, reason: "not a herald.v1.RpcRequest")
            return nil
        }
        guard !request.id.isEmpty, !request.method.isEmpty else {
            endpoint.drop(message, reason: "RpcRequest without id or method")
            return nil
        }
        return request
    }

    /// Runs one request against its deadline and sends whichever comes first: the
    /// handler's answer or DEADLINE_EXCEEDED.
    private func serve(
        _ request: Herald_V1_RpcRequest, from peer: Data, userID: String?, receivedAt received: ContinuousClock.Instant
    ) async {
        let timeout = min(
            request.timeoutMs == 0 ? configuration.defaultTimeout : .milliseconds(Int64(request.timeoutMs)),
            configuration.maxTimeout)
        let method = RPCRouter.normalize(request.method)
        let context = RPCContext(
            requestID: request.id, method: method, deadline: received + timeout,
            metadata: request.metadata, peer: peer, userID: userID)

        if let refusal = configuration.authorize?(context) {
            reply(to: peer, request: request, result: .failure(refusal))
            return
        }

        guard let handler = router.handler(for: method) else {
            // Quoted only in part: a hostile caller must not get its megabyte echoed back.
            let quoted = request.method.count > 200 ? request.method.prefix(200) + "…" : Substring(request.method)
            reply(to: peer, request: request, result: .failure(.unimplemented("unknown method \(quoted)")))
            return
        }

        await withTaskGroup(of: Result<Data, RPCError>?.self) { group in
            group.addTask { await self.invoke(handler, request.payload, context) }
            group.addTask {
                // nil: cancelled because the handler finished, or the server is stopping.
                guard await self.deadlines.wait(until: context.deadline) else { return nil }
                return .failure(.deadlineExceeded(
                    "\(method) did not finish within \(timeout.roundedUpMilliseconds) ms"))
            }
            var outcome: Result<Data, RPCError>? = nil
            while let next = await group.next() {
                if let next { outcome = next; break }
            }
            // Reply now, before the group waits for a handler that ignores cancellation.
            let result = outcome ?? .failure(.unavailable("the core is shutting down"))
            reply(to: peer, request: request, result: result)
            if case .failure(let error) = result, error.code == .deadlineExceeded {
                logger.warning("request passed its deadline", metadata: [
                    "method": "\(method)", "rpc.id": "\(request.id)", "timeout_ms": "\(timeout.roundedUpMilliseconds)"])
            }
            group.cancelAll()
        }
    }

    /// Calls the handler and turns whatever it throws into a status.
    private func invoke(_ handler: RPCRouter.RawHandler, _ payload: Data, _ context: RPCContext) async -> Result<Data, RPCError> {
        do {
            return .success(try await handler(payload, context))
        } catch let error as RPCError {
            return .failure(error)
        } catch let error as any RPCStatusConvertible {
            return .failure(error.rpcError)
        } catch is CancellationError {
            return .failure(.cancelled("\(context.method) was cancelled"))
        } catch {
            logger.error("handler failed", metadata: [
                "method": "\(context.method)", "rpc.id": "\(context.requestID)", "error": "\(String(reflecting: error))"])
            return .failure(.internal("internal error in \(context.method); see the core's log (request \(context.requestID))"))
        }
    }

    private func reply(to peer: Data, request: Herald_V1_RpcRequest, result: Result<Data, RPCError>) {
        var response = Herald_V1_RpcResponse()
        response.id = request.id
        switch result {
        case .success(let payload):
            response.status = Herald_V1_Status()
            response.payload = payload
        case .failure(let error):
            response.status = error.status
        }
        logger.debug("answering", metadata: [
            "method": "\(request.method)", "rpc.id": "\(request.id)", "status": "\(response.status.code.name)"])
        do {
            endpoint.send(to: peer, frames: [try response.serializedData()])
        } catch {
            logger.error("cannot encode a response", metadata: ["rpc.id": "\(request.id)", "error": "\(error)"])
        }
    }
}
