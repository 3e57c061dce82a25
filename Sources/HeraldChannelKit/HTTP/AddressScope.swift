/// Where an address leads, for deciding whether a webhook may be sent there.
///
/// Only ``global`` addresses are open to any subscriber. The rest reach the
/// machine itself, the operator's own networks, or nothing routable, and a
/// webhook URL is input from a tenant: sending there would let a tenant probe
/// or call internal services (server-side request forgery).
public enum AddressScope: String, Sendable, Equatable {
    case global = "public"
    case unspecified
    case loopback
    /// RFC 1918, IPv6 unique local (fc00::/7) and site-local, local-use NAT64.
    case `private`
    case linkLocal = "link-local"
    /// 100.64.0.0/10, carrier-grade NAT.
    case sharedAddressSpace = "shared (carrier-grade NAT)"
    case multicast
    case broadcast
    case documentation
    /// Reserved or special-purpose: not a host on the public internet.
    case reserved

    public var isPublic: Bool { self == .global }

    /// Classifies `address` by the IANA special-purpose registries. An IPv6
    /// address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by the
    /// IPv4 address it reaches.
    public static func of(_ address: IPAddress) -> AddressScope {
        if let embedded = embeddedIPv4(address) { return of(embedded) }
        let table = address.isIPv4 ? ipv4Table : ipv6Table
        return table.first { $0.network.contains(address) }?.scope ?? .global
    }

    /// The IPv4 address behind IPv4-mapped (::ffff:0:0/96), well-known NAT64
    /// (64:ff9b::/96) and 6to4 (2002::/16) addresses.
    static func embeddedIPv4(_ address: IPAddress) -> IPAddress? {
        guard !address.isIPv4 else { return nil }
        if let mapped = address.unmappedIPv4 { return mapped }
        let b = address.bytes
        if nat64.contains(address) { return IPAddress(bytes: Array(b[12..<16])) }
        if sixToFour.contains(address) { return IPAddress(bytes: Array(b[2..<6])) }
        return nil
    }

    private static let nat64 = IPNetwork("64:ff9b::/96")!
    private static let sixToFour = IPNetwork("2002::/16")!

    private static func table(_ rows: [(String, AddressScope)]) -> [(network: IPNetwork, scope: AddressScope)] {
        rows.map { (IPNetwork($0.0)!, $0.1) }
    }

    /// First match wins, so single addresses come before the blocks around them.
    private static let ipv4Table = table([
        ("255.255.255.255/32", .broadcast),
        ("0.0.0.0/8", .unspecified),
        ("10.0.0.0/8", .private),
        ("100.64.0.0/10", .sharedAddressSpace),
        ("127.0.0.0/8", .loopback),
        ("169.254.0.0/16", .linkLocal),
        ("172.16.0.0/12", .private),
        ("192.0.0.0/24", .reserved),
        ("192.0.2.0/24", .documentation),
        ("192.88.99.0/24", .reserved),
        ("192.168.0.0/16", .private),
        ("198.18.0.0/15", .reserved),
        ("198.51.100.0/24", .documentation),
        ("203.0.113.0/24", .documentation),
        ("224.0.0.0/4", .multicast),
        ("240.0.0.0/4", .reserved),
    ])

    private static let ipv6Table = table([
        ("::/128", .unspecified),
        ("::1/128", .loopback),
        ("::/96", .reserved),  // IPv4-compatible, deprecated
        ("64:ff9b:1::/48", .private),
        ("100::/64", .reserved),  // discard-only
        ("2001::/32", .reserved),  // Teredo: a tunnel to anywhere
        ("2001:10::/28", .reserved),
        ("2001:20::/28", .reserved),
        ("2001:db8::/32", .documentation),
        ("3fff::/20", .documentation),
        ("fc00::/7", .private),
        ("fe80::/10", .linkLocal),
        ("fec0::/10", .private),
        ("ff00::/8", .multicast),
    ])
}
