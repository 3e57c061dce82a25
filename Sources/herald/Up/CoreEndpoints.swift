import Foundation

/// Where a running core listens, read from its ready line:
/// `heraldd ready admin=tcp://... channel=tcp://... events=tcp://...`.
struct CoreEndpoints: Equatable, Sendable {
    static let defaultAdmin = "tcp://127.0.0.1:7402"
    static let readyPrefix = "heraldd ready "

    var admin: String
    var channel: String
    var events: String
    /// The endpoints exactly as bound, for a restarted core to bind again: with
    /// `tcp://127.0.0.1:*` it would otherwise pick new ports the channels never hear of.
    var bindArguments: [String]

    /// - Returns: nil unless `line` is a complete ready line.
    init?(readyLine line: String) {
        guard line.hasPrefix(Self.readyPrefix) else { return nil }
        var fields: [String: String] = [:]
        for word in line.dropFirst(Self.readyPrefix.count).split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        guard let admin = fields["admin"], let channel = fields["channel"], let events = fields["events"] else { return nil }
        self.admin = Self.reachable(admin)
        self.channel = Self.reachable(channel)
        self.events = Self.reachable(events)
        bindArguments = ["--admin-endpoint", admin, "--channel-endpoint", channel, "--events-endpoint", events]
    }

    /// A core bound on every interface (`0.0.0.0`, `*`, `[::]`) is reached on loopback.
    static func reachable(_ endpoint: String) -> String {
        for (any, local) in [("tcp://0.0.0.0:", "tcp://127.0.0.1:"), ("tcp://*:", "tcp://127.0.0.1:"), ("tcp://[::]:", "tcp://[::1]:")]
        where endpoint.hasPrefix(any) {
            return local + endpoint.dropFirst(any.count)
        }
        return endpoint
    }
}
