import CZeroMQ

/// `zmq_poll` over libzmq sockets and plain file descriptors together.
///
/// Mixing the two is what lets a ``SocketThread`` sleep on its socket and on an
/// `eventfd` at once: it wakes for inbound messages, for room to send, and for
/// async callers that just queued something. Like the sockets it polls, a
/// poller belongs to one thread.
public struct ZMQPoller {
    public struct Events: OptionSet, Sendable, Hashable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }

        public static let pollIn = Events(rawValue: Int16(ZMQ_POLLIN))
        public static let pollOut = Events(rawValue: Int16(ZMQ_POLLOUT))
        public static let pollError = Events(rawValue: Int16(ZMQ_POLLERR))
    }

    private var items: [zmq_pollitem_t] = []
    /// Holds the sockets so their handles stay valid while they are polled.
    private var sockets: [ZMQSocket] = []

    public init() {}

    /// Adds a socket and returns its index for ``setEvents(_:at:)`` and ``returnedEvents(at:)``.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: Events) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor (a pipe, an eventfd, a TCP socket).
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: Events) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    public mutating func setEvents(_ events: Events, at index: Int) {
        items[index].events = events.rawValue
    }

    public func returnedEvents(at index: Int) -> Events {
        Events(rawValue: items[index].revents)
    }

    /// Waits until an item is ready or `timeout` passes (`nil` waits forever, `.zero` only checks).
    /// - Returns: how many items are ready. `EINTR` is reported as 0 ready items.
    @discardableResult
    public mutating func poll(timeout: Duration?) throws(ZMQError) -> Int {
        let milliseconds = timeout.map { max(0, $0.roundedUpMilliseconds) } ?? -1
        for index in items.indices { items[index].revents = 0 }
        let count = items.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, Int32($0.count), Int(milliseconds))
        }
        if count < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.code == .EINTR { return 0 }
            throw error
        }
        return Int(count)
    }
}

@available(*, unavailable)
extension ZMQPoller: Sendable {}
