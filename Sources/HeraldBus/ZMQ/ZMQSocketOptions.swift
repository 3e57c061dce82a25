import Foundation

/// The socket options Herald sets, typed, so that a configuration can carry them
/// and a socket applies them in one place before it binds or connects.
///
/// `nil` leaves libzmq's default. The defaults chosen by the endpoints are
/// documented there; the reasons for each option are documented here.
public struct ZMQSocketOptions: Sendable, Hashable {
    /// How long unsent messages are kept after close. libzmq's default (forever)
    /// makes shutdown hang on a vanished peer, so Herald always bounds it.
    public var linger: Duration?
    /// Largest inbound message in bytes; a bigger one disconnects the sender.
    /// The first defence against a hostile peer exhausting memory.
    public var maxMessageSize: Int64?
    /// ROUTER only: fail with `EHOSTUNREACH` instead of silently dropping a message
    /// addressed to a peer that is gone, so the loss is logged.
    public var routerMandatory: Bool?
    /// Outbound queue limit per peer, in messages.
    public var sendHighWaterMark: Int32?
    /// Inbound queue limit per peer, in messages.
    public var receiveHighWaterMark: Int32?
    /// Queue messages only for completed connections. A client sets it so a
    /// request to a core that is not there waits (and times out) instead of
    /// being queued for a peer that may never appear.
    public var immediate: Bool?
    /// ZMTP heartbeats: detect dead TCP peers that never send a FIN.
    public var heartbeatInterval: Duration?
    public var heartbeatTimeout: Duration?
    /// Tells the remote side how long to wait for our heartbeats.
    public var heartbeatTTL: Duration?
    /// The identity a ROUTER sees for this socket. Unset, libzmq picks one.
    public var routingID: Data?
    /// CURVE keys; `nil` leaves the socket unencrypted.
    public var curve: CurveOptions?

    public init(
        linger: Duration? = nil,
        maxMessageSize: Int64? = nil,
        routerMandatory: Bool? = nil,
        sendHighWaterMark: Int32? = nil,
        receiveHighWaterMark: Int32? = nil,
        immediate: Bool? = nil,
        heartbeatInterval: Duration? = nil,
        heartbeatTimeout: Duration? = nil,
        heartbeatTTL: Duration? = nil,
        routingID: Data? = nil,
        curve: CurveOptions? = nil
    ) {
        self.linger = linger
        self.maxMessageSize = maxMessageSize
        self.routerMandatory = routerMandatory
        self.sendHighWaterMark = sendHighWaterMark
        self.receiveHighWaterMark = receiveHighWaterMark
        self.immediate = immediate
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.heartbeatTTL = heartbeatTTL
        self.routingID = routingID
        self.curve = curve
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a short positive duration never becomes 0 ("no wait").
    var roundedUpMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return remainder > 0 ? ms + 1 : ms
    }
}
