import Foundation

/// Several cores on one database (PostgreSQL) serve the same tenants, so a client
/// may be given more than one endpoint: `tcp://core-1:7402,tcp://core-2:7402`.
///
/// - An RPC client (the CLI, the gateway) connects its DEALER to all of them: libzmq
///   hands each request to one connected core in turn and never to one it cannot
///   reach, so calls go on through the others when a core stops.
/// - An event subscriber connects to all of them: each core publishes its own events.
/// - A channel worker talks to one core at a time (its deliveries belong to that
///   core's leases) and moves to the next when it loses the one it has.
public enum CoreEndpoints {
    /// The endpoints of a comma-separated list, blanks around them dropped.
    public static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
