import CZeroMQ
import Foundation
import Logging
import Synchronization

/// Watches a client socket's handshakes, so that "cannot reach the core" can
/// say *why* when the core is there but refuses us: a refused CURVE key, a wrong
/// server key, or CURVE on one side only otherwise look exactly like a core that
/// is down.
///
/// libzmq reports socket events on an inproc PAIR (`zmq_socket_monitor`); this
/// reads them on a thread of its own and keeps the latest outcome.
///
/// The reader must outlive the watched socket: libzmq's I/O thread sends each event
/// with a blocking send, and with nobody reading it would block there, stalling every
/// socket of the context. So the owner calls ``close()`` from the watched socket's
/// `onStop` (after ``ZMQSocket/close()``, which stops the reports), never before.
public final class HandshakeMonitor: Sendable {
    private static let sequence = Atomic<UInt64>(0)
    private let failure = Failure()
    private let reader = LateRef<SocketThread>()

    private final class Failure: Sendable {
        let reason = Mutex<String?>(nil)
    }

    /// Asks libzmq to report `socket`'s handshakes; call it before the socket connects.
    /// - Parameter usingCurve: whether the watched socket has CURVE keys, to name the likely mistake.
    /// - Parameter onFailure: told each failure's reason, on the monitor's thread.
    public init(
        watching socket: ZMQSocket, usingCurve: Bool, context: ZMQContext, logger: Logger,
        onFailure: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(ZMQError) {
        let endpoint = "inproc://herald-monitor-\(getpid())-\(Self.sequence.add(1, ordering: .relaxed).newValue)"
        let events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
        try socket.monitor(endpoint, events: Int32(events))
        let failure = self.failure
        reader.value = try SocketThread(
            context: context, kind: .pair, name: "monitor", logger: logger,
            configure: { pair throws(ZMQError) in
                try pair.apply(ZMQSocketOptions(linger: .zero))
                try pair.connect(endpoint)
            },
            onMessage: { frames in
                guard let event = MonitorEvent(frames) else { return }
                let reason: String
                switch event.event {
                case Int32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED):
                    failure.reason.withLock { $0 = nil }
                    return
                case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH):
                    reason = "the core at \(event.endpoint) refused this program's CURVE key (not in its authorized keys, or not allowed on this endpoint)"
                default:
                    reason = usingCurve
                        ? "the CURVE handshake with \(event.endpoint) failed (is --curve-server-key the core's public key, and does the core run with CURVE?)"
                        : "the handshake with \(event.endpoint) failed: the core may require CURVE (give --curve-secret-key and --curve-server-key), or it is not a Herald endpoint"
                }
                failure.reason.withLock { $0 = reason }
                logger.warning("\(reason)")
                onFailure(reason)
            })
    }

    deinit { close() }

    /// Why the last handshake failed; nil when it succeeded or none has been tried.
    public var lastFailure: String? { failure.reason.withLock { $0 } }

    /// Stops the reader; call it once the watched socket is closed (see above).
    public func close() { reader.value?.stop() }
}

/// One event from a monitor PAIR: a 6-byte frame (event number, value) then the endpoint.
struct MonitorEvent {
    let event: Int32
    let value: UInt32
    let endpoint: String

    init?(_ frames: [Data]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let bytes = [UInt8](frames[0])
        event = Int32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
        value = UInt32(bytes[2]) | UInt32(bytes[3]) << 8 | UInt32(bytes[4]) << 16 | UInt32(bytes[5]) << 24
        endpoint = String(decoding: frames[1], as: UTF8.self)
    }
}
