/// The operator's exceptions to the public-addresses-only rule for URLs that
/// tenants give (`HERALD_WEBHOOK_ALLOW`, `HERALD_CHAT_ALLOW`): host names,
/// addresses and address blocks.
public struct AddressAllowList: Sendable, Equatable {
    /// Lower-case names without a trailing dot; every address they resolve to is allowed.
    public private(set) var hosts: Set<String> = []
    public private(set) var networks: [IPNetwork] = []

    public init() {}

    /// Parses a comma-separated list such as `hooks.internal, 10.1.2.3, 192.168.0.0/16, fc00::/7`.
    /// Blank entries are ignored.
    /// - Throws: ``ChannelConfigurationError`` naming the first entry that is
    ///   neither a host name, an address nor a block.
    public init(parsing text: String, variable: String = "HERALD_WEBHOOK_ALLOW") throws(ChannelConfigurationError) {
        for raw in text.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            if let network = IPNetwork(entry) {
                // A mapped IPv6 address names the IPv4 host it reaches.
                if let mapped = network.address.unmappedIPv4, network.prefixLength >= 96,
                   let v4 = IPNetwork(address: mapped, prefixLength: network.prefixLength - 96) {
                    networks.append(v4)
                } else {
                    networks.append(network)
                }
            } else if Self.isHostName(entry) {
                hosts.insert(Self.normalized(entry))
            } else {
                throw ChannelConfigurationError(
                    "\(variable): \"\(entry)\" is not a host name, an IP address or a CIDR block", variable: variable)
            }
        }
    }

    /// The list in the environment variable `variable` (empty when unset), or the
    /// error naming its bad entry. Kept as a `Result` so that a plugin can be
    /// made first and refuse to start in `checkConfiguration()`, where
    /// `--outbox` may still let it run.
    public static func load(
        _ variable: String, from environment: [String: String]
    ) -> Result<AddressAllowList, ChannelConfigurationError> {
        let text = environment[variable] ?? ""
        return Result { () throws(ChannelConfigurationError) in try AddressAllowList(parsing: text, variable: variable) }
    }

    /// Whether `address`, resolved from `host`, may be a webhook target
    /// although it is not public.
    public func permits(host: String, address: IPAddress) -> Bool {
        if hosts.contains(Self.normalized(host)) { return true }
        let candidate = address.canonical
        return networks.contains { $0.contains(candidate) }
    }

    public var isEmpty: Bool { hosts.isEmpty && networks.isEmpty }

    static func normalized(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        while name.hasSuffix(".") { name.removeLast() }
        return name
    }

    /// Letters, digits, `-`, `_` and dots: what DNS names (and `localhost`) are made of.
    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253, !text.hasPrefix("."), !text.contains("..") else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }
}
