import CZeroMQ
import Foundation

/// One libzmq socket.
///
/// libzmq sockets are not thread safe, so this type is deliberately not
/// `Sendable`: it belongs to one thread at a time. Async code never holds one;
/// it talks to a ``SocketThread``, which owns its socket for its whole life.
/// Creating and configuring a socket on one thread and then handing it to the
/// thread that will own it is allowed by libzmq (the handover is a full memory
/// barrier), and is how ``SocketThread`` binds before its thread starts, so that
/// a bad endpoint fails the caller immediately.
public final class ZMQSocket {
    /// The socket patterns libzmq offers; Herald uses ROUTER, DEALER, PUB and SUB.
    public enum Kind: Int32, Sendable, CustomStringConvertible {
        case pair = 0, pub = 1, sub = 2, req = 3, rep = 4, dealer = 5, router = 6, pull = 7, push = 8, xpub = 9, xsub = 10

        public var description: String {
            switch self {
            case .pair: "PAIR"
            case .pub: "PUB"
            case .sub: "SUB"
            case .req: "REQ"
            case .rep: "REP"
            case .dealer: "DEALER"
            case .router: "ROUTER"
            case .pull: "PULL"
            case .push: "PUSH"
            case .xpub: "XPUB"
            case .xsub: "XSUB"
            }
        }
    }

    public let kind: Kind
    /// Keeps the context alive until this socket is closed; terminating a context
    /// with open sockets would block.
    public let context: ZMQContext
    private(set) var handle: UnsafeMutableRawPointer?
    /// Whether ``monitor(_:events:)`` started reporting events, which ``close()`` stops first.
    private var isMonitored = false

    public init(context: ZMQContext, kind: Kind) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else {
            throw ZMQError.last("zmq_socket(\(kind))")
        }
        self.context = context
        self.kind = kind
        self.handle = handle
    }

    deinit { close() }

    /// Closes the socket. Pending outbound messages are kept for LINGER by the
    /// context's I/O thread; this call itself never blocks.
    public func close() {
        guard let handle else { return }
        // libzmq's I/O thread sends monitor events with a *blocking* send on the
        // monitor's PAIR, until the socket is reaped, some time after zmq_close. Once
        // the reader of that PAIR is gone, one more event (a handshake finishing while
        // the socket closes) blocks the I/O thread for good, and with it every socket
        // of the context. So the reports stop here, while their reader still listens.
        if isMonitored { zmq_socket_monitor(handle, nil, 0) }
        zmq_close(handle)
        self.handle = nil
    }

    private func open(_ operation: String, endpoint: String? = nil) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(errno: ENOTSOCK, operation: operation, endpoint: endpoint) }
        return handle
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try open("bind", endpoint: endpoint)
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind", endpoint: endpoint) }
    }

    /// Starts connecting; libzmq connects (and reconnects) in the background, so this
    /// succeeds whether or not anything listens at `endpoint`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try open("connect", endpoint: endpoint)
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect", endpoint: endpoint) }
    }

    /// Reports `events` (ZMQ_EVENT_* bits) on a PAIR socket libzmq binds at `endpoint` (inproc).
    public func monitor(_ endpoint: String, events: Int32) throws(ZMQError) {
        let handle = try open("zmq_socket_monitor", endpoint: endpoint)
        guard zmq_socket_monitor(handle, endpoint, events) == 0 else { throw ZMQError.last("zmq_socket_monitor", endpoint: endpoint) }
        isMonitored = true
    }

    /// The endpoint last bound or connected, with a wildcard port (`tcp://127.0.0.1:*`)
    /// resolved to the port the kernel chose.
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [UInt8](repeating: 0, count: 1024)
        var size = buffer.count
        let handle = try open("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError.last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    // MARK: Options

    /// Applies every option that is set, in an order libzmq accepts (CURVE before bind/connect).
    public func apply(_ options: ZMQSocketOptions) throws(ZMQError) {
        if let linger = options.linger { try setInt(ZMQ_LINGER, "ZMQ_LINGER", Int32(clamping: linger.roundedUpMilliseconds)) }
        if let size = options.maxMessageSize { try setInt64(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", size) }
        if let mandatory = options.routerMandatory { try setInt(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", mandatory ? 1 : 0) }
        if let hwm = options.sendHighWaterMark { try setInt(ZMQ_SNDHWM, "ZMQ_SNDHWM", hwm) }
        if let hwm = options.receiveHighWaterMark { try setInt(ZMQ_RCVHWM, "ZMQ_RCVHWM", hwm) }
        if let immediate = options.immediate { try setInt(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", immediate ? 1 : 0) }
        if let ivl = options.heartbeatInterval { try setInt(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", Int32(clamping: ivl.roundedUpMilliseconds)) }
        if let timeout = options.heartbeatTimeout { try setInt(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", Int32(clamping: timeout.roundedUpMilliseconds)) }
        if let ttl = options.heartbeatTTL { try setInt(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", Int32(clamping: ttl.roundedUpMilliseconds)) }
        if let id = options.routingID { try setBytes(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", id) }
        if let curve = options.curve { try apply(curve) }
    }

    /// Sets CURVE keys. A server only needs its key pair; a client also needs the server's public key.
    public func apply(_ curve: CurveOptions) throws(ZMQError) {
        switch curve.role {
        case .server(let zapDomain):
            try setInt(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", 1)
            if !zapDomain.isEmpty { try setBytes(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", Data(zapDomain.utf8)) }
        case .client(let serverKey):
            try setBytes(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", Data(serverKey.utf8))
        }
        try setBytes(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", Data(curve.publicKey.utf8))
        try setBytes(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", Data(curve.secretKey.utf8))
    }

    /// SUB only: receive messages whose first frame starts with `prefix` ("" means everything).
    public func subscribe(_ prefix: Data) throws(ZMQError) {
        try setBytes(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", prefix)
    }

    public func unsubscribe(_ prefix: Data) throws(ZMQError) {
        try setBytes(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE", prefix)
    }

    public func setInt(_ option: Int32, _ name: String, _ value: Int32) throws(ZMQError) {
        let handle = try open("zmq_setsockopt(\(name))")
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(name))")
        }
    }

    public func setInt64(_ option: Int32, _ name: String, _ value: Int64) throws(ZMQError) {
        let handle = try open("zmq_setsockopt(\(name))")
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(name))")
        }
    }

    public func setBytes(_ option: Int32, _ name: String, _ value: Data) throws(ZMQError) {
        let handle = try open("zmq_setsockopt(\(name))")
        let result = value.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard result == 0 else { throw ZMQError.last("zmq_setsockopt(\(name))") }
    }

    /// `ZMQ_EVENTS`: whether a receive or a send would succeed right now.
    public func pendingEvents() throws(ZMQError) -> ZMQPoller.Events {
        let handle = try open("zmq_getsockopt(ZMQ_EVENTS)")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_EVENTS, &value, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(ZMQ_EVENTS)") }
        return ZMQPoller.Events(rawValue: Int16(truncatingIfNeeded: value))
    }

    // MARK: Messages

    /// Sends one multipart message atomically: the peer gets all frames or none.
    ///
    /// With `dontWait`, a message that cannot be queued now (high-water mark, or
    /// IMMEDIATE with no connected peer) throws `EAGAIN` and nothing is sent.
    public func send(_ frames: [Data], dontWait: Bool = false) throws(ZMQError) {
        let handle = try open("zmq_send")
        // An empty multipart message does not exist in ZMTP; send one empty frame.
        let frames = frames.isEmpty ? [Data()] : frames
        let base = dontWait ? ZMQ_DONTWAIT : 0
        for (index, frame) in frames.enumerated() {
            let flags = base | (index < frames.count - 1 ? ZMQ_SNDMORE : 0)
            while true {
                let result = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if result >= 0 { break }
                let error = ZMQError.last("zmq_send")
                // EINTR before the first frame is a plain retry; libzmq never
                // interrupts a message halfway, later frames go in without blocking.
                if error.code == .EINTR { continue }
                throw error
            }
        }
    }

    /// Receives one whole multipart message, or throws `EAGAIN` with `dontWait` when none is ready.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [Data] {
        try receiveMessage(dontWait: dontWait).frames
    }

    /// Receives one whole multipart message with the `User-Id` the ZAP handler gave its
    /// connection (with CURVE in Herald: the client's public key), or nil without ZAP.
    public func receiveMessage(dontWait: Bool = false) throws(ZMQError) -> (frames: [Data], userID: String?) {
        let handle = try open("zmq_msg_recv")
        var frames: [Data] = []
        var userID: String?
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            // Only the first frame can be "not ready": the rest of a message arrives with it.
            let flags = frames.isEmpty && dontWait ? ZMQ_DONTWAIT : 0
            let size = zmq_msg_recv(&message, handle, flags)
            if size < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.code == .EINTR { continue }
                throw error
            }
            // Frames a ROUTER makes up itself (the peer's identity) carry no metadata; the peer's own do.
            if userID == nil, let property = zmq_msg_gets(&message, "User-Id") {
                let text = String(cString: property)
                userID = text.isEmpty ? nil : text
            }
            if size == 0 {
                frames.append(Data())
            } else {
                frames.append(Data(bytes: zmq_msg_data(&message), count: Int(size)))
            }
            if zmq_msg_more(&message) == 0 { return (frames, userID) }
        }
    }
}

/// A socket belongs to exactly one thread at a time; see ``SocketThread``.
@available(*, unavailable)
extension ZMQSocket: Sendable {}
