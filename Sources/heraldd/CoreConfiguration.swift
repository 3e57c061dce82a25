import HeraldCore

/// Where the core keeps its data, which endpoints it binds, and how it dispatches.
struct CoreConfiguration: Sendable {
    var database: DatabaseLocation
    /// The name this core's leases carry in a database several cores share.
    var coreID: String
    var channelEndpoint: String
    var adminEndpoint: String
    var eventsEndpoint: String
    /// Where to serve `GET /metrics`; nil: no metrics endpoint.
    var metricsAddress: MetricsAddress?
    var dispatch: DispatcherConfiguration
    /// CURVE on every bus endpoint; nil: plain ZeroMQ (loopback only, unless insecure).
    var security: BusSecurity?
    /// The gateway's public base URL for links in customers' messages; nil: no links.
    var publicURL: String?
}

/// `HOST:PORT` of the metrics endpoint (`[::1]:9464` for an IPv6 address).
struct MetricsAddress: Sendable, Equatable {
    var host: String
    /// 0 picks a free port.
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/") else { return nil }
        self.host = host
        self.port = port
    }
}

/// The safe default: without CURVE the bus is neither encrypted nor
/// authenticated, so heraldd binds only addresses this machine alone reaches
/// unless the operator says `--insecure-bind`. With CURVE the bus endpoints may
/// face the network; the metrics endpoint (plain HTTP) never may without the flag.
enum BindPolicy {
    /// Whether `host` (an IP address or name from an endpoint) is loopback.
    static func isLoopback(host: String) -> Bool {
        var host = host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The host of a ZeroMQ `tcp://HOST:PORT` endpoint; nil for transports that never
    /// leave the machine (`ipc://`, `inproc://`).
    static func tcpHost(of endpoint: String) -> String? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        let address = endpoint.dropFirst("tcp://".count)
        guard let colon = address.lastIndex(of: ":") else { return String(address) }
        return String(address[..<colon])
    }

    /// The endpoints (by option name) that would be reachable from other machines.
    static func exposed(
        _ endpoints: [(option: String, endpoint: String)], metrics: MetricsAddress?, curve: Bool = false
    ) -> [String] {
        var exposed = curve ? [] : endpoints.compactMap { option, endpoint in
            tcpHost(of: endpoint).flatMap { isLoopback(host: $0) ? nil : "\(option) \(endpoint)" }
        }
        if let metrics, !isLoopback(host: metrics.host) {
            exposed.append("--metrics-endpoint \(metrics.host):\(metrics.port)")
        }
        return exposed
    }
}
