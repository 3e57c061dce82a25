import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Looks a host name up the way the system does (`getaddrinfo`: hosts file,
/// DNS), off the cooperative pool.
public enum HostResolver {
    /// Every address `host` resolves to, in the resolver's order, without
    /// duplicates. An address literal resolves to itself.
    public static func addresses(of host: String) async throws(HTTPError) -> [IPAddress] {
        let result = await BlockingThread.run("herald-resolve") { lookUp(host) }
        return try result.get()
    }

    static func lookUp(_ host: String) -> Result<[IPAddress], HTTPError> {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            return .failure(HTTPError(.resolve, "cannot resolve \(name): \(reason)"))
        }
        defer { freeaddrinfo(first) }
        var found: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr.flatMap(ipAddress), !found.contains(address) {
                found.append(address)
            }
            cursor = entry.pointee.ai_next
        }
        if found.isEmpty { return .failure(HTTPError(.resolve, "\(name) has no IPv4 or IPv6 address")) }
        return .success(found)
    }

    private static func ipAddress(_ socketAddress: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
            }
        default:
            return nil
        }
    }
}
