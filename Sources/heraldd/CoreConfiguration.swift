import HeraldCore

/// Where the core keeps its data, which endpoints it binds, and how it dispatches.
struct CoreConfiguration: Sendable {
    var databasePath: String
    var channelEndpoint: String
    var adminEndpoint: String
    var eventsEndpoint: String
    /// Where to serve `GET /metrics`; nil: no metrics endpoint.
    var metricsAddress: MetricsAddress?
    var dispatch: DispatcherConfiguration
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
