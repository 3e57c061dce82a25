import Foundation

/// A TCP socket bound to a free port on 127.0.0.1 (and listening, when asked);
/// the caller owns the descriptor.
public func bindLoopbackTCP(listening: Bool = false) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, length) == 0 && (!listening || listen(descriptor, 16) == 0)
                && getsockname(descriptor, pointer, &length) == 0
        }
    }
    guard bound else {
        close(descriptor)
        throw POSIXError(.EADDRNOTAVAIL)
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP port on 127.0.0.1 that nothing listened on a moment ago (bound to 0,
/// read back, released): for a server that must be told its port, or a port
/// known to refuse connections. ZeroMQ endpoints take `tcp://127.0.0.1:*` instead.
public func freeTCPPort() throws -> Int {
    let socket = try bindLoopbackTCP()
    close(socket.descriptor)
    return socket.port
}

/// A TCP port on 127.0.0.1 that refuses every connection for as long as this value
/// lives: bound, never listening, so no other test can take it meanwhile (a port
/// merely released can be, and then answers or hangs instead of refusing).
public final class RefusingPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try bindLoopbackTCP(listening: false)
    }

    deinit { close(descriptor) }
}
