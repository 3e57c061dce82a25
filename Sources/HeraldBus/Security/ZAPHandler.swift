import Foundation
import Logging
import Synchronization

/// The ZeroMQ Authentication Protocol handler (RFC 27) of a CURVE-protected
/// process: libzmq asks it about every CURVE handshake on the context's server
/// sockets, and it admits only the keys of an ``AuthorizedKeys`` list whose role
/// the socket's ZAP domain allows.
///
/// - A key that is not listed, or whose role the domain does not admit, is
///   refused at the handshake (status 400): the client never gets a message
///   through, and the refusal is logged with its address and key and counted.
/// - An admitted connection carries the client's public key as its ZeroMQ
///   `User-Id`, so a server can check each message against the keys as they are
///   *now* (``role(ofUserID:)``): a key removed by a reload loses its rights at
///   once, without waiting for the client to reconnect.
/// - ``replaceKeys(_:)`` swaps the list atomically (SIGHUP in `heraldd`).
///
/// libzmq sends ZAP requests to `inproc://zeromq.zap.01` on the socket's context,
/// so create the handler on the same ``ZMQContext`` as the servers, before they bind.
public final class ZAPHandler: Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"

    private let state: State
    private let socket: SocketThread

    /// Binds the ZAP endpoint.
    /// - Parameters:
    ///   - domains: the roles each ZAP domain admits (a server socket names its domain); a domain not listed admits nobody.
    ///   - onRefused: called with the domain of each refused handshake (for a metric).
    public init(
        context: ZMQContext,
        keys: AuthorizedKeys,
        domains: [String: Set<BusRole>],
        logger: Logger,
        onRefused: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(ZMQError) {
        let state = State(keys: keys)
        let replies = LateRef<SocketThread>()
        self.state = state
        self.socket = try SocketThread(
            context: context, kind: .router, name: "zap", logger: logger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(linger: .zero, maxMessageSize: 4096))
                try socket.bind(Self.endpoint)
            },
            onMessage: { frames in
                guard let request = ZAPRequest(frames) else {
                    logger.error("malformed ZAP request from libzmq", metadata: ["frames": "\(frames.count)"])
                    return
                }
                let decision = Self.decide(request, keys: state.keys.withLock { $0 }, domains: domains)
                switch decision {
                case .admit(let entry):
                    logger.info("client admitted", metadata: [
                        "key.name": "\(entry.name)", "role": "\(entry.role)", "zap.domain": "\(request.domain)",
                        "address": "\(request.address)"])
                case .refuse(let reason):
                    let total = state.refusals.add(1, ordering: .relaxed).newValue
                    onRefused(request.domain)
                    if state.throttle.admit("refused handshake") != nil {
                        logger.warning("handshake refused", metadata: [
                            "reason": "\(reason)", "zap.domain": "\(request.domain)", "address": "\(request.address)",
                            "key": "\(request.clientKey ?? "-")", "refused.total": "\(total)"])
                    }
                }
                replies.value?.send(request.reply(decision))
            })
        replies.value = socket
    }

    /// What the socket's thread and callers share.
    private final class State: Sendable {
        let keys: Mutex<AuthorizedKeys>
        let refusals = Atomic<UInt64>(0)
        // At most 30 lines a minute, so a scanner hammering the port cannot fill the disk with warnings.
        let throttle = LogThrottle(limit: 30)
        init(keys: AuthorizedKeys) { self.keys = Mutex(keys) }
    }

    deinit { socket.stop() }

    /// Handshakes refused since the handler started.
    public var refusedHandshakes: UInt64 { state.refusals.load(ordering: .relaxed) }

    /// The role of an admitted connection's `User-Id` under the current keys; nil once the key is removed.
    public func role(ofUserID userID: String?) -> BusRole? {
        guard let userID else { return nil }
        return state.keys.withLock { $0.entry(for: userID)?.role }
    }

    /// The listed entry for an admitted connection's `User-Id`, for logs.
    public func entry(forUserID userID: String?) -> AuthorizedKeys.Entry? {
        guard let userID else { return nil }
        return state.keys.withLock { $0.entry(for: userID) }
    }

    /// Replaces the admitted keys; handshakes and role checks use the new list from now on.
    public func replaceKeys(_ newKeys: AuthorizedKeys) {
        state.keys.withLock { $0 = newKeys }
    }

    public func close() { socket.stop() }

    enum Decision {
        case admit(AuthorizedKeys.Entry)
        case refuse(String)
    }

    static func decide(_ request: ZAPRequest, keys: AuthorizedKeys, domains: [String: Set<BusRole>]) -> Decision {
        guard request.mechanism == "CURVE" else { return .refuse("mechanism \(request.mechanism) is not allowed") }
        guard let clientKey = request.clientKey else { return .refuse("no client key") }
        guard let entry = keys.entry(for: clientKey) else { return .refuse("key not in the authorized keys") }
        guard let admitted = domains[request.domain], admitted.contains(entry.role) else {
            return .refuse("role \(entry.role) (\(entry.name)) may not use the \(request.domain) endpoint")
        }
        return .admit(entry)
    }
}

/// One ZAP request as a ROUTER receives it: the requester's routing id, an empty
/// delimiter, then version, request id, domain, address, identity, mechanism and
/// credentials (RFC 27).
struct ZAPRequest {
    let routingID: Data
    let requestID: Data
    let domain: String
    let address: String
    let mechanism: String
    /// The client's public key in Z85, for CURVE.
    let clientKey: String?

    init?(_ frames: [Data]) {
        guard frames.count >= 8, frames[1].isEmpty, frames[2] == Data("1.0".utf8) else { return nil }
        routingID = frames[0]
        requestID = frames[3]
        domain = String(decoding: frames[4], as: UTF8.self)
        address = String(decoding: frames[5], as: UTF8.self)
        mechanism = String(decoding: frames[7], as: UTF8.self)
        clientKey = frames.count > 8 ? CurveKey.z85(frames[8]) : nil
    }

    /// The reply: 200 with the client key as `User-Id`, or 400 with the reason.
    func reply(_ decision: ZAPHandler.Decision) -> [Data] {
        let (status, text, userID): (String, String, String) = switch decision {
        case .admit(let entry): ("200", "OK", entry.publicKey)
        case .refuse(let reason): ("400", reason, "")
        }
        return [routingID, Data(), Data("1.0".utf8), requestID, Data(status.utf8), Data(text.utf8), Data(userID.utf8), Data()]
    }
}

/// A reference filled in after the closure that uses it was made (a socket, its monitor).
final class LateRef<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)
    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
