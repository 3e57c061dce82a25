import Foundation
import Logging
import PostgresNIO

// Several cores on one database hear of each other's new work through LISTEN/NOTIFY.
//
// A transaction that makes jobs pending (a booking write with new jobs, a retry, a
// lease given back or expired) sends `NOTIFY herald_jobs, 'CORE CHANNEL'` for each
// channel it touched; PostgreSQL delivers it at commit, to every listening core.
// A core whose workers serve that channel wakes its dispatcher, which reads the
// next due times again: a booking written on one core is handed out within
// milliseconds by the core whose worker can take it.
//
// Notifications can be lost (the LISTEN connection dropped, the server restarted),
// so they only shorten the wait: every dispatcher with workers reads the store at
// least once per heartbeat interval anyway (the heartbeats it sends are turns).
// After LISTEN is (re)established, every core wakes once to catch up on what it
// may have missed meanwhile.
extension PostgresStore {
    /// The notification channel of new pending jobs.
    static let jobsChannel = "herald_jobs"

    /// Tells every core, at commit, that a tenant's configuration changed (their
    /// caches of it must go).
    static func notifyConfigurationChanged(from coreID: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.run("SELECT pg_notify(\(jobsChannel), \(configurationPayload + coreID))", logger)
    }

    /// The payload prefix of configuration changes (job notifications start with a core id).
    static let configurationPayload = "\u{1}configuration "

    /// Sends one notification per channel (none for an empty set), delivered at commit.
    static func notifyJobs(
        channels: Set<String>, from coreID: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        for channel in channels.sorted() {
            try await connection.run("SELECT pg_notify(\(jobsChannel), \(coreID + " " + channel))", logger)
        }
    }

    /// Listens for other cores' new jobs until cancelled, calling `wake` with the
    /// channels they concern, and with nil (anything may have changed) each time
    /// LISTEN is established. A dropped connection is logged and listened again after
    /// `retry`; this core's own notifications are skipped.
    public func listenForJobs(retry: Duration = .seconds(1), wake: @escaping @Sendable (Set<String>?) -> Void) async {
        var failures = 0
        while !Task.isCancelled {
            let recovering = failures > 0
            do {
                try await Self.withConnection(client, waiting: connectTimeout) { connection in
                    try await connection.listen(on: Self.jobsChannel) { notifications in
                        if recovering { self.logger.notice("listening for other cores' jobs again") }
                        // Changes made while nobody listened are unknown: start the cache afresh.
                        self.tenantContexts.invalidate()
                        self.cacheTrusted.value.store(true, ordering: .releasing)
                        wake(nil)
                        for try await notification in notifications {
                            if notification.payload.hasPrefix(Self.configurationPayload) {
                                self.tenantContexts.invalidate()
                                continue
                            }
                            let parts = notification.payload.split(separator: " ", maxSplits: 1)
                            guard parts.count == 2, parts[0] != self.coreID else { continue }
                            wake([String(parts[1])])
                        }
                    }
                }
                failures = 0
            } catch {
                if Task.isCancelled { return }
                failures += 1
                // Once per outage: the store's health reports the outage itself.
                if failures == 1 {
                    logger.warning("lost the LISTEN connection; dispatch falls back to polling each heartbeat until it is back", metadata: [
                        "error": "\(storeError(error))",
                    ])
                }
            }
            // Deaf to other cores' changes until listening again: no cache meanwhile.
            cacheTrusted.value.store(false, ordering: .releasing)
            tenantContexts.invalidate()
            try? await Task.sleep(for: retry)
        }
    }
}
