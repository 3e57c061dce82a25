import CZeroMQ
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A dedicated thread that owns one ``ZMQSocket`` for the socket's whole life.
///
/// libzmq sockets are not thread safe and their calls block, so neither may be
/// used from Swift's cooperative pool. Async code talks to the socket through
/// this type instead:
///
/// - ``send(_:deadline:completion:)`` only appends to a queue under a mutex and
///   wakes the thread through a non-blocking pipe; it never blocks.
/// - The thread sleeps in `zmq_poll` on the socket and the pipe together,
///   sends what was queued, and hands each inbound multipart message to the
///   `onMessage` closure given at init (which should be quick, e.g. yield to an
///   `AsyncStream`).
/// - A message that cannot be sent yet (`EAGAIN`: high-water mark reached, or
///   IMMEDIATE with no connected peer) stays queued in order, and the thread
///   waits for room. If it carries a deadline and the deadline passes first,
///   it is dropped and its completion is told ``SendOutcome/expired``; that is
///   how an RPC client knows the core was unreachable.
/// - ``stop()`` makes the thread send what it can, close the socket (LINGER
///   bounds how long libzmq keeps trying) and call `onStop`.
///
/// The socket is created, configured and bound or connected on the caller's
/// thread inside `init`, so a bad or busy endpoint throws right there; it is
/// then handed to the new thread and never touched by anyone else.
public final class SocketThread: Sendable {
    /// What became of one queued message.
    public enum SendOutcome: Sendable, Equatable {
        /// libzmq accepted the message (it is queued for, or on its way to, a peer).
        case sent
        /// Its deadline passed before libzmq would take it.
        case expired
        /// libzmq refused it, e.g. `EHOSTUNREACH` from a ROUTER for a peer that is gone.
        case failed(ZMQError)
        /// The thread stopped before the message could be sent.
        case stopped
    }

    public typealias Completion = @Sendable (SendOutcome) -> Void

    public let kind: ZMQSocket.Kind
    /// The endpoint last bound or connected in `configure`, wildcard ports resolved.
    public let lastEndpoint: String
    private let shared: Shared

    /// Creates the socket, lets `configure` set options and bind or connect it, then starts the thread.
    ///
    /// - Parameters:
    ///   - name: names the thread (`herald-zmq-<name>`) and the log lines.
    ///   - logsBoundEndpoint: name ``lastEndpoint`` (`zmq.endpoint`) in the thread's log lines;
    ///     for a socket that binds, so a wildcard port shows as the port bound.
    ///   - configure: runs on the caller's thread before the thread starts; errors it throws are rethrown.
    ///   - onMessage: called on the socket's thread with each inbound multipart message.
    ///   - onStop: called on the socket's thread once the socket is closed.
    public convenience init(
        context: ZMQContext,
        kind: ZMQSocket.Kind,
        name: String,
        logger: Logger,
        logsBoundEndpoint: Bool = false,
        configure: (ZMQSocket) throws(ZMQError) -> Void,
        onMessage: @escaping @Sendable ([Data]) -> Void = { _ in },
        onStop: @escaping @Sendable () -> Void = {}
    ) throws(ZMQError) {
        try self.init(
            context: context, kind: kind, name: name, logger: logger, logsBoundEndpoint: logsBoundEndpoint, configure: configure,
            onAuthenticatedMessage: { frames, _ in onMessage(frames) }, onStop: onStop)
    }

    /// Like the other initializer, but `onAuthenticatedMessage` also gets the `User-Id`
    /// of the connection each message came on (see ``ZAPHandler``).
    public init(
        context: ZMQContext,
        kind: ZMQSocket.Kind,
        name: String,
        logger: Logger,
        logsBoundEndpoint: Bool = false,
        configure: (ZMQSocket) throws(ZMQError) -> Void,
        onAuthenticatedMessage onMessage: @escaping @Sendable ([Data], String?) -> Void,
        onStop: @escaping @Sendable () -> Void = {}
    ) throws(ZMQError) {
        let socket = try ZMQSocket(context: context, kind: kind)
        do {
            try configure(socket)
        } catch {
            socket.close()
            throw error
        }
        // A self-pipe: Swift's Glibc module does not export <sys/eventfd.h>, and a
        // non-blocking pipe gives the same level-triggered wake-up through zmq_poll.
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            socket.close()
            throw ZMQError(errno: Glibc.errno, operation: "pipe")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.kind = kind
        self.lastEndpoint = (try? socket.lastEndpoint()) ?? ""
        self.shared = Shared(readFD: fds[0], writeFD: fds[1])

        var logger = logger
        logger[metadataKey: "zmq.socket"] = "\(name)"
        // The endpoint as bound: `tcp://127.0.0.1:*` shows here with its port.
        if logsBoundEndpoint && !lastEndpoint.isEmpty { logger[metadataKey: "zmq.endpoint"] = "\(lastEndpoint)" }
        let loop = UnsafeTransfer(SocketLoop(
            socket: socket, shared: shared, logger: logger, onMessage: onMessage, onStop: onStop))
        let thread = Thread { loop.value.run() }
        thread.name = "herald-zmq-\(name)"
        thread.start()
    }

    deinit { stop() }

    /// Queues a multipart message for the socket's thread; never blocks.
    ///
    /// - Parameters:
    ///   - deadline: drop the message if libzmq has not taken it by then (`nil`: wait as long as it takes).
    ///   - completion: told the outcome, on the socket's thread; keep it short.
    public func send(_ frames: [Data], deadline: ContinuousClock.Instant? = nil, completion: Completion? = nil) {
        let accepted = shared.state.withLock { state in
            guard !state.stopped else { return false }
            state.queue.append(Outbound(frames: frames, deadline: deadline, completion: completion))
            return true
        }
        if accepted {
            shared.wake()
        } else {
            completion?(.stopped)
        }
    }

    /// Asks the thread to flush what it can, close the socket and exit. Idempotent, never blocks.
    public func stop() {
        shared.state.withLock { $0.stopRequested = true }
        shared.wake()
    }

    /// Whether the socket has been closed.
    public var isStopped: Bool { shared.state.withLock { $0.stopped } }
}

/// One queued outbound message.
struct Outbound: Sendable {
    var frames: [Data]
    var deadline: ContinuousClock.Instant?
    var completion: SocketThread.Completion?
}

/// What async callers and the socket's thread share: the outbound queue and the wake-up pipe.
final class Shared: Sendable {
    struct State {
        var queue: [Outbound] = []
        var stopRequested = false
        var stopped = false
    }

    let state = Mutex(State())
    /// The socket's thread polls this end.
    let readFD: Int32
    let writeFD: Int32

    init(readFD: Int32, writeFD: Int32) {
        self.readFD = readFD
        self.writeFD = writeFD
    }

    /// Closed only when both the handle and the thread are done with them, so a late
    /// `wake()` can never write to a reused descriptor.
    deinit {
        close(readFD)
        close(writeFD)
    }

    /// A full pipe (`EAGAIN`) already means "awake", so the result is ignored.
    func wake() {
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)
    }

    func drainWakeups() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }
}

/// Moves a value that is not `Sendable` to the thread that will own it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The socket's thread: everything here runs on that one thread.
final class SocketLoop {
    let socket: ZMQSocket
    let shared: Shared
    let logger: Logger
    let onMessage: @Sendable ([Data], String?) -> Void
    let onStop: @Sendable () -> Void
    /// Messages taken from the shared queue that libzmq has not accepted yet, oldest first.
    var pending: [Outbound] = []

    /// Inbound messages handled per wake-up before sending again, so a flood of
    /// requests cannot starve the replies.
    static let receiveBatch = 256
    /// A ROUTER reports POLLOUT when *any* peer has room, so when one peer is full
    /// we retry on a short timer instead of spinning on POLLOUT.
    static let routerRetryInterval = Duration.milliseconds(10)

    init(socket: ZMQSocket, shared: Shared, logger: Logger,
         onMessage: @escaping @Sendable ([Data], String?) -> Void, onStop: @escaping @Sendable () -> Void) {
        self.socket = socket
        self.shared = shared
        self.logger = logger
        self.onMessage = onMessage
        self.onStop = onStop
    }

    var canReceive: Bool { socket.kind != .pub && socket.kind != .push }

    func run() {
        var poller = ZMQPoller()
        let socketIndex = poller.add(socket, events: [])
        let wakeIndex = poller.add(fileDescriptor: shared.readFD, events: .pollIn)

        while true {
            let (incoming, stopRequested) = shared.state.withLock { state in
                defer { state.queue.removeAll() }
                return (state.queue, state.stopRequested)
            }
            pending.append(contentsOf: incoming)
            let blocked = flush()
            if stopRequested { break }

            var events: ZMQPoller.Events = canReceive ? .pollIn : []
            var timeout = pending.compactMap(\.deadline).min().map { $0 - ContinuousClock.now }
            if blocked {
                if socket.kind == .router {
                    timeout = min(timeout ?? Self.routerRetryInterval, Self.routerRetryInterval)
                } else {
                    events.insert(.pollOut)
                }
            }
            poller.setEvents(events, at: socketIndex)
            do {
                try poller.poll(timeout: timeout)
            } catch {
                if error.code != .ETERM { logger.error("zmq_poll failed; closing the socket", metadata: ["error": "\(error)"]) }
                break
            }
            if poller.returnedEvents(at: wakeIndex).contains(.pollIn) { shared.drainWakeups() }
            if poller.returnedEvents(at: socketIndex).contains(.pollIn) { receiveAvailable() }
        }

        let leftovers = shared.state.withLock { state in
            state.stopped = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for item in pending + leftovers { item.completion?(.stopped) }
        pending.removeAll()
        socket.close()
        logger.debug("socket closed")
        onStop()
    }

    /// Sends pending messages in order. Returns whether something is still waiting for room.
    func flush() -> Bool {
        guard !pending.isEmpty else { return false }
        let now = ContinuousClock.now
        var kept: [Outbound] = []
        var blocked = false
        // A ROUTER sends to many peers; a full peer must not hold up the others.
        var fullPeers: Set<Data> = []
        for item in pending {
            if let deadline = item.deadline, deadline <= now {
                item.completion?(.expired)
                continue
            }
            let peer = socket.kind == .router ? item.frames.first : nil
            if blocked && (peer == nil || fullPeers.contains(peer!)) {
                kept.append(item)
                continue
            }
            do throws(ZMQError) {
                try socket.send(item.frames, dontWait: true)
                logger.trace("sent", metadata: ["frames": "\(item.frames.count)"])
                item.completion?(.sent)
            } catch .EAGAIN {
                kept.append(item)
                blocked = true
                if let peer { fullPeers.insert(peer) }
            } catch {
                logger.debug("send failed", metadata: ["error": "\(error)"])
                item.completion?(.failed(error))
            }
        }
        pending = kept
        return blocked
    }

    func receiveAvailable() {
        for _ in 0..<Self.receiveBatch {
            do throws(ZMQError) {
                let (frames, userID) = try socket.receiveMessage(dontWait: true)
                logger.trace("received", metadata: ["frames": "\(frames.count)"])
                onMessage(frames, userID)
            } catch .EAGAIN {
                return
            } catch {
                if error.code != .ETERM { logger.warning("receive failed", metadata: ["error": "\(error)"]) }
                return
            }
        }
    }
}
