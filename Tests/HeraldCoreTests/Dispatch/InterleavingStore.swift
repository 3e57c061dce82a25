import Foundation
import Synchronization

@testable import HeraldCore

/// A store that runs a test's hook just before a chosen operation, to force an
/// interleaving that otherwise happens only now and then (time moving on in the
/// middle of a dispatcher turn). Everything else goes to the real store.
///
/// Only a ``DispatchStore``: the dispatcher is its one user.
final class InterleavingStore: DispatchStore {
    let base: SQLiteStore
    /// Called with the `after` argument before each `nextDueTime(channels:after:)`.
    let beforeNextDue = Mutex<(@Sendable (Date?) -> Void)?>(nil)

    init(_ base: SQLiteStore) { self.base = base }

    func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        if let hook = beforeNextDue.withLock({ $0 }) { hook(after) }
        return try await base.nextDueTime(channels: channels, after: after)
    }

    func leaseDueJobs(_ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision) async throws
        -> LeaseBatch
    {
        try await base.leaseDueJobs(query, decide: decide)
    }
    func applyResults(_ results: [JobResult]) async throws -> [ResultDisposition] { try await base.applyResults(results) }
    func releaseLeases(jobIDs: [String], now: Date) async throws -> Int { try await base.releaseLeases(jobIDs: jobIDs, now: now) }
    func expireLeases(now: Date) async throws -> Int { try await base.expireLeases(now: now) }
    func releaseAllLeases(now: Date) async throws -> Int { try await base.releaseAllLeases(now: now) }
    func nextLeaseExpiry() async throws -> Date? { try await base.nextLeaseExpiry() }
    func reminderLog(afterID: Int64, limit: Int) async throws -> [ReminderLogEntry] {
        try await base.reminderLog(afterID: afterID, limit: limit)
    }
    func lastReminderLogID() async throws -> Int64 { try await base.lastReminderLogID() }
    func settings(tenantID: String) async throws -> NotificationSettings? { try await base.settings(tenantID: tenantID) }
    func eventType(tenantID: String, id: String) async throws -> EventType? {
        try await base.eventType(tenantID: tenantID, id: id)
    }
    func templates(tenantID: String) async throws -> [MessageTemplate] { try await base.templates(tenantID: tenantID) }
}
