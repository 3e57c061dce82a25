import Foundation
import Synchronization

/// A listening socket on 127.0.0.1 that answers each connection with the
/// next canned response and keeps the raw requests, for testing the HTTP
/// client against real TCP without a web framework.
final class LoopbackHTTPServer: Sendable {
    let port: Int
    private let listener: Int32
    private let log = RequestLog()

    private final class RequestLog: Sendable {
        let requests = Mutex<[String]>([])
    }

    /// - Parameter responses: raw HTTP responses, one per connection, in order.
    init(responses: [String]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 8) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let log = self.log
        let thread = Thread {
            for response in responses {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                let request = Self.readRequest(connection)
                log.requests.withLock { $0.append(request) }
                _ = Array(response.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
        thread.start()
    }

    var received: [String] { log.requests.withLock { $0 } }

    /// Reads the head, then as many body bytes as Content-Length says.
    private static func readRequest(_ connection: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text[..<end.upperBound].utf8.count >= length { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    deinit { close(listener) }
}
