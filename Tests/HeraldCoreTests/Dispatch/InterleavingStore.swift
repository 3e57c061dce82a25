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
    /// Called with each turn before the store carries it out.
    let beforeTurn = Mutex<(@Sendable (DispatchTurn) -> Void)?>(nil)

    init(_ base: SQLiteStore) { self.base = base }

    func dispatchTurn(_ turn: DispatchTurn, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision) async throws
        -> DispatchTurnOutcome
    {
        if let hook = beforeTurn.withLock({ $0 }) { hook(turn) }
        return try await base.dispatchTurn(turn, decide: decide)
    }
    func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        try await base.nextDueTime(channels: channels, after: after)
    }

    func leaseDueJobs(_ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision) async throws
        -> LeaseBatch
    {
        try await base.leaseDueJobs(query, decide: decide)
    }
    func applyResults(_ results: [JobResult]) async throws -> AppliedResults { try await base.applyResults(results) }
    func applyReceipts(_ receipts: [DeliveryReceipt]) async throws -> [ReceiptDisposition] {
        try await base.applyReceipts(receipts)
    }
    func applyInbound(_ messages: [InboundMessage]) async throws -> [InboundDisposition] {
        try await base.applyInbound(messages)
    }
    func releaseLeases(jobIDs: [String], now: Date) async throws -> Int { try await base.releaseLeases(jobIDs: jobIDs, now: now) }
    func expireLeases(now: Date) async throws -> Int { try await base.expireLeases(now: now) }
    func releaseAllLeases(now: Date) async throws -> Int { try await base.releaseAllLeases(now: now) }
    func nextLeaseExpiry() async throws -> Date? { try await base.nextLeaseExpiry() }
    func dueJobTimings(channel: String, account: String, now: Date, limit: Int) async throws -> [DueJobTiming] {
        try await base.dueJobTimings(channel: channel, account: account, now: now, limit: limit)
    }
    func recordAccounts(_ accounts: [ProviderAccountRecord]) async throws { try await base.recordAccounts(accounts) }
}
