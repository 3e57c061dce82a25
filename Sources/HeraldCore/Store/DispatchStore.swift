import Foundation

/// What the dispatcher (``Dispatcher``) asks of the store, and nothing more: one
/// turn of its loop at a time (``dispatchTurn(_:decide:)``: apply results, give
/// leases back, lease due jobs with everything their deliveries are made from, and
/// say when to wake next), and giving back every lease when a core starts.
///
/// The parts of a turn are also requirements of their own, so that each promise is
/// stated (and tested by the contract suite) once, and a new store can start from
/// the default ``dispatchTurn(_:decide:)``, which calls them one after another.
///
/// The general promises (one transaction per method, ``StoreError``s, millisecond
/// dates) are stated on ``TenantConfigurationStore``. The ones the delivery
/// guarantees rest on:
/// - **One live lease per job.** A job is `pending`, `leased` or final (`sent`,
///   `failed`, `cancelled`, `missed`, `skipped`); only a `pending` job can be leased,
///   and leasing it increments its `attempt` in the same transaction. Two callers
///   leasing at once (two cores on one database) never both get the same job.
/// - **Results apply once, to the attempt they answer.** A result counts only if its
///   `attempt` is the job's current attempt; see ``applyResults(_:)``.
/// - **At most one `sent` row per notification.** The ReminderLog keeps at most one
///   row with outcome `sent` per notification key (booking, channel, kind, reminder
///   offset, schedule version, recipient, event id), whatever crashes, redeliveries
///   or duplicate jobs happen. This lives in the database (a unique key), never in
///   one caller's memory.
/// - **The ReminderLog is append-only, and every row written is returned** by the
///   call that wrote it, with its id, exactly as stored: the dispatcher publishes
///   those values on the event stream and never reads the log back.
public protocol DispatchStore: Sendable {
    // MARK: A turn

    /// One turn of the dispatch loop, in one transaction where the store can: applies
    /// `turn.results` (``applyResults(_:)``), then `turn.receipts` (``applyReceipts(_:)``,
    /// so a receipt finds the `sent` row of a result in the same turn), gives back `turn.releases`
    /// (``releaseLeases(jobIDs:now:)``), expires leases that ran out by `turn.now` when
    /// `turn.expireLeases` (``expireLeases(now:)``), runs each lease query in order
    /// (``leaseDueJobs(_:decide:)``; a query finds what the ones before it left), and
    /// then reports, for each watched channel, its ``NextDue`` as of `turn.now`, and
    /// the next lease expiry. A turn that ``DispatchTurn/writes`` nothing only reads.
    ///
    /// When it throws, none of it happened (SQLite), or the parts before the failure
    /// did (the default implementation): either way, results and releases may be
    /// given again, and are judged against what is stored.
    func dispatchTurn(
        _ turn: DispatchTurn, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> DispatchTurnOutcome

    // MARK: Leasing

    /// Leases up to `query.limit` due, eligible pending jobs of one channel, oldest due first.
    ///
    /// Eligible: status `pending`, `channel == query.channel`, `dueAt <= query.now`, and
    /// a provider the asking worker may send with (see ``LeaseQuery/provider``). Among
    /// them the earliest `dueAt` comes first (ties in insertion order).
    ///
    /// All in one write transaction: each candidate is loaded with its booking, its
    /// webhook subscription or team destination (when the job names one) and its event
    /// (when `eventID` is not empty), as stored at that moment, and passed to `decide`
    /// (the send-time check). A leased job also comes with what its delivery is made
    /// from: the tenant's settings, the booking's event type and the tenant's template
    /// for the job's kind and channel (``LeasedJob``).
    /// - `.lease` marks it `leased`: `attempt` + 1, `leasedTo = query.leasedTo`,
    ///   `leaseExpiresAt = query.leaseUntil`, `updatedAt = query.now`. The returned
    ///   ``LeasedJob/job`` equals the stored row.
    /// - `.cancel(reason)` / `.miss(reason)` end it as `cancelled` / `missed` (lease
    ///   fields cleared, `lastError = reason`, `attempt` unchanged) and append a
    ///   ReminderLog row with that outcome, the reason as its error, the job's provider
    ///   (empty when none), `attempts` = the job's attempt and `loggedAt = query.now`
    ///   (returned in ``LeaseBatch/logged``).
    /// - A candidate whose booking no longer exists is cancelled even if `decide` says `.lease`.
    ///
    /// Cancelled and missed jobs do not count toward the limit, but one call examines
    /// a bounded number of candidates (a small multiple of the limit), so when it
    /// returns fewer than `limit` leased and some cancelled or missed, more may be due:
    /// call again. A `limit` of zero or less leases nothing and writes nothing.
    ///
    /// `decide` must be quick and must not call the store: it runs inside the write
    /// transaction (hence `@escaping`), possibly on another thread. With several
    /// callers at once (several cores), each job is offered to one caller only.
    func leaseDueJobs(
        _ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> LeaseBatch

    // MARK: Results

    /// Applies delivery results in one write transaction; the dispositions are in input
    /// order, and the ReminderLog rows written come back in ``AppliedResults/logged``.
    ///
    /// A result is ``ResultDisposition/ignored(reason:)``, changing nothing, when:
    /// - its job does not exist: `unknown delivery`;
    /// - the job is already `sent`: `already sent`;
    /// - `result.attempt` is below the job's attempt (the job was handed out again):
    ///   `superseded by attempt N`; above it: `unknown attempt N`;
    /// - the job is not `leased`: `not leased (status)`, except that a *final* answer
    ///   (sent or failed) for the current attempt of a `pending` job still applies (its
    ///   lease was given back but nobody leased it again, and recording it is what keeps
    ///   it from being sent twice).
    ///
    /// Otherwise it is ``ResultDisposition/applied``, lease fields cleared and
    /// `updatedAt = result.at`:
    /// - ``JobResolution/sent(provider:providerMessageID:)``: status `sent`; a `sent`
    ///   ReminderLog row (provider, provider message id, `attempts` = the job's attempt,
    ///   `loggedAt = result.at`) unless the notification already has one, in which case
    ///   the job is still `sent` and the existing row is kept (no error).
    /// - ``JobResolution/failed(provider:error:recipientGone:)``: status `failed`,
    ///   `lastError = error`, a `failed` row. With `recipientGone`, the job's webhook
    ///   subscription or team destination (if it names one that exists) is disabled
    ///   with a reason that quotes the error, in the same transaction.
    /// - ``JobResolution/retry(at:provider:error:switchToFallback:)``: status `pending`,
    ///   `dueAt = at`, `lastError = error`, no log row, `attempt` unchanged (the next
    ///   lease increments it). With `switchToFallback` and a `fallbackProvider`, the job's
    ///   `provider` and `fallbackProvider` are swapped.
    ///
    /// Results are applied in order and each sees the ones before it in the same
    /// batch: a second result for one job is judged against the first one's effect.
    /// An empty batch writes nothing.
    func applyResults(_ results: [JobResult]) async throws -> AppliedResults

    // MARK: Receipts

    /// Applies providers' delivery receipts in one write transaction; the
    /// dispositions are in input order, and each receipt sees the ones before it.
    ///
    /// A receipt is about the `sent` ReminderLog row whose provider and provider
    /// message id it names, or else (when it names a job) the `sent` row of that job
    /// with that provider; without one it is ``ReceiptDisposition/unknown``. Its
    /// effect on the row's stored ``DeliveryState`` is ``DeliveryReceipt/judged(against:)``:
    /// a state that moves forward is stored and the row comes back with it
    /// (``ReceiptDisposition/updated(_:)``); otherwise nothing changes
    /// (``ReceiptDisposition/unchanged(reason:)``). The log rows themselves are not
    /// changed. An empty batch writes nothing.
    func applyReceipts(_ receipts: [DeliveryReceipt]) async throws -> [ReceiptDisposition]

    /// Applies customers' messages in one write transaction, in order. A STOP
    /// (``InboundMessage/meaning``) puts the sender (its `from`) on the suppression
    /// list, scope `all`, source `reply`, of every tenant that has a booking with that
    /// customer phone, on the message's channel (an entry already there stays); a
    /// START removes the `all` entries of those tenants for that channel and
    /// recipient. Any other message is kept as a ``PendingReply``
    /// (``InboundDisposition/reply``) when a tenant that has a booking for the sender
    /// has reply keywords; otherwise, or from a sender no tenant has a booking for, it
    /// changes nothing (``InboundDisposition/ignored``). A message whose provider and provider
    /// message id were seen in the last ``InboundMessage/remembered`` is
    /// ``InboundDisposition/duplicate`` and changes nothing (older ids are forgotten).
    /// An empty batch writes nothing.
    func applyInbound(_ messages: [InboundMessage]) async throws -> [InboundDisposition]

    // MARK: Leases

    // Giving a lease back keeps the job's `dueAt` and `attempt`: it was due then and
    // still is, and the send-time check measures lateness from it. The next lease
    // increments the attempt, which makes the old attempt's results stale.

    /// Returns these jobs, those still `leased`, to `pending` (lease fields cleared,
    /// `updatedAt = now`), because their worker is gone. Ids that are unknown or not
    /// leased are skipped. Returns how many jobs changed; an empty list writes nothing.
    @discardableResult
    func releaseLeases(jobIDs: [String], now: Date) async throws -> Int

    /// Returns every `leased` job whose `leaseExpiresAt <= now` to `pending`, as
    /// ``releaseLeases(jobIDs:now:)`` does; returns how many.
    @discardableResult
    func expireLeases(now: Date) async throws -> Int

    /// Returns every `leased` job to `pending`; returns how many. Called when a core
    /// starts and holds no worker yet. (With several cores on one database this must
    /// become "every lease of this core": the PostgreSQL store names the core in the lease.)
    @discardableResult
    func releaseAllLeases(now: Date) async throws -> Int

    // MARK: Timing

    /// The earliest `dueAt` of `pending` jobs in these channels, whether already due or
    /// not; nil when there is none, or `channels` is empty.
    /// - Parameter after: only jobs due strictly later than this (nil: any), for
    ///   channels whose due jobs could not all be handed out now.
    func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date?

    /// The earliest `leaseExpiresAt` of `leased` jobs; nil when none is leased.
    func nextLeaseExpiry() async throws -> Date?

    /// The `pending` jobs of `channel` sent with `account` ("" the default) that are due
    /// at `now`, in the order they are leased in (oldest due first), at most `limit`:
    /// the queue of a paced sender.
    func dueJobTimings(channel: String, account: String, now: Date, limit: Int) async throws -> [DueJobTiming]

    /// Remembers the accounts a worker registered (replacing what this channel and
    /// provider had under the same names, keeping other names).
    func recordAccounts(_ accounts: [ProviderAccountRecord]) async throws
}

extension DispatchStore {
    /// The parts one after another, each in its own transaction.
    public func dispatchTurn(
        _ turn: DispatchTurn, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> DispatchTurnOutcome {
        var outcome = DispatchTurnOutcome()
        outcome.results = try await applyResults(turn.results)
        outcome.receipts = try await applyReceipts(turn.receipts)
        outcome.inbound = try await applyInbound(turn.inbound)
        outcome.released = try await releaseLeases(jobIDs: turn.releases, now: turn.now)
        if turn.expireLeases { outcome.expired = try await expireLeases(now: turn.now) }
        for query in turn.leases { outcome.batches.append(try await leaseDueJobs(query, decide: decide)) }
        for channel in turn.watched {
            outcome.nextDue[channel] = NextDue(
                earliest: try await nextDueTime(channels: [channel], after: nil),
                afterNow: try await nextDueTime(channels: [channel], after: turn.now))
        }
        outcome.nextLeaseExpiry = try await nextLeaseExpiry()
        return outcome
    }
}
