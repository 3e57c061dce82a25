import Foundation

// The dispatcher's side of the store: leasing due jobs, applying delivery results,
// returning leases, timing and queue visibility. Plain values only, so a PostgreSQL
// implementation (several cores, `FOR UPDATE SKIP LOCKED`) can satisfy the same calls.

/// Which due jobs ``DispatchStore/leaseDueJobs(_:decide:)`` hands to one worker.
public struct LeaseQuery: Sendable, Equatable {
    public var channel: String
    /// The asking worker's provider. A job is eligible when its provider is nil, equals this,
    /// or its `fallbackProvider` equals this and its provider is not in `presentProviders`
    /// (the preferred provider has no worker: fail over).
    public var provider: String
    /// The provider accounts of the asking worker, as jobs name them ("" is the
    /// default account): only their jobs are leased.
    public var accounts: Set<String>
    /// How many jobs of a paced account (by its `account` value) this call may lease at
    /// most: its sender's rate allows no more now. Accounts not named are not paced.
    public var budgets: [String: Int]
    /// The accounts whose messages to one recipient are spaced (by their `account`
    /// value), each with the recipients that must wait now: none of their jobs is
    /// leased, and a call leases at most one job per recipient of such an account.
    public var spacing: [String: Set<String>]
    /// Providers of this channel that currently have a worker.
    public var presentProviders: Set<String>
    /// At most this many jobs are leased.
    public var limit: Int
    /// Jobs with `dueAt <= now` are due; the oldest due are leased first.
    public var now: Date
    /// The lease expiry written on each leased job.
    public var leaseUntil: Date
    /// The worker instance the jobs are leased to.
    public var leasedTo: String

    public init(
        channel: String,
        provider: String,
        accounts: Set<String> = [""],
        budgets: [String: Int] = [:],
        spacing: [String: Set<String>] = [:],
        presentProviders: Set<String> = [],
        limit: Int,
        now: Date,
        leaseUntil: Date,
        leasedTo: String
    ) {
        self.channel = channel
        self.provider = provider
        self.accounts = accounts
        self.budgets = budgets
        self.spacing = spacing
        self.presentProviders = presentProviders
        self.limit = limit
        self.now = now
        self.leaseUntil = leaseUntil
        self.leasedTo = leasedTo
    }
}

/// A due, eligible job with what the send-time check needs, as stored right now.
public struct LeaseCandidate: Sendable, Equatable {
    public var job: NotificationJob
    /// `nil` only if the booking no longer exists.
    public var booking: Booking?
    /// The webhook subscription, when the job has a `subscriptionID` (nil if deleted).
    public var subscription: WebhookSubscription?
    /// The team destination, when the job has a `teamDestinationID` (nil if removed).
    public var teamDestination: TeamDestination?
    /// The booking event, when the job has a non-empty `eventID`.
    public var event: BookingEventRecord?
    /// The scopes in which the job's recipient is on the tenant's suppression list for
    /// its channel (empty: not on it).
    public var suppressed: [SuppressionScope]

    public init(
        job: NotificationJob,
        booking: Booking?,
        subscription: WebhookSubscription? = nil,
        teamDestination: TeamDestination? = nil,
        event: BookingEventRecord? = nil,
        suppressed: [SuppressionScope] = []
    ) {
        self.job = job
        self.booking = booking
        self.subscription = subscription
        self.teamDestination = teamDestination
        self.event = event
        self.suppressed = suppressed
    }
}

/// The send-time decision on a ``LeaseCandidate``, made by the caller inside the lease transaction.
public enum LeaseDecision: Sendable, Equatable {
    /// Hand it out.
    case lease
    /// The job no longer matches its booking: status `cancelled`, logged `cancelled` with the reason.
    case cancel(reason: String)
    /// Too late to send: status `missed`, logged `missed` with the reason.
    case miss(reason: String)
    /// Not to be sent to this recipient (opted out): status `skipped`, logged `skipped`
    /// with the reason.
    case skip(reason: String)
}

/// A job handed to a worker, with everything its delivery is made from, read in
/// the lease's transaction (so that making the delivery needs no further read).
public struct LeasedJob: Sendable, Equatable {
    /// The job after leasing: status `leased`, `attempt` + 1, `leasedTo`, `leaseExpiresAt`.
    public var job: NotificationJob
    public var booking: Booking
    public var subscription: WebhookSubscription?
    public var event: BookingEventRecord?
    /// The tenant's notification settings (nil only if the tenant has none).
    public var settings: NotificationSettings?
    /// The booking's event type, when it names one that exists.
    public var eventType: EventType?
    /// The tenant's own template for the job's kind and channel, if it has one.
    public var template: MessageTemplate?

    public init(
        job: NotificationJob,
        booking: Booking,
        subscription: WebhookSubscription? = nil,
        event: BookingEventRecord? = nil,
        settings: NotificationSettings? = nil,
        eventType: EventType? = nil,
        template: MessageTemplate? = nil
    ) {
        self.job = job
        self.booking = booking
        self.subscription = subscription
        self.event = event
        self.settings = settings
        self.eventType = eventType
        self.template = template
    }
}

/// What one ``DispatchStore/leaseDueJobs(_:decide:)`` call did.
///
/// Cancelled and missed jobs do not count toward the limit, but the work per call is
/// bounded: when `leased.count < limit` and `cancelled + missed + skipped > 0`, more jobs may
/// still be due, so call again.
/// What one lease call may still take of each paced account (``LeaseQuery/budgets``):
/// the stores ask only for accounts with budget left and lease a job of a paced account
/// only while its budget lasts, and of a spaced account (``LeaseQuery/spacing``) only
/// for a recipient that need not wait. Jobs held back stay pending, in due order.
struct LeaseBudget {
    private var left: [String: Int]
    private var waiting: [String: Set<String>]
    private(set) var paced: Set<String> = []
    private(set) var spaced: Set<String> = []

    init(_ query: LeaseQuery) {
        left = query.budgets
        waiting = query.spacing
    }

    /// The accounts worth asking for now: the query's, less those with no budget left.
    func accounts(of query: LeaseQuery) -> Set<String> {
        query.accounts.filter { (left[$0] ?? 1) > 0 }
    }

    /// Whether `job` may be leased: its account's budget is not spent and its recipient
    /// need not wait. A job that may not marks its account paced or spaced.
    mutating func admits(_ job: NotificationJob) -> Bool {
        if let budget = left[job.account], budget <= 0 {
            paced.insert(job.account)
            return false
        }
        if waiting[job.account]?.contains(job.recipient) == true {
            spaced.insert(job.account)
            return false
        }
        return true
    }

    /// `job` was leased.
    mutating func spend(_ job: NotificationJob) {
        if let budget = left[job.account] { left[job.account] = budget - 1 }
        waiting[job.account]?.insert(job.recipient)
    }
}

public struct LeaseBatch: Sendable, Equatable {
    /// In due order, oldest first.
    public var leased: [LeasedJob]
    public var cancelled: Int
    public var missed: Int
    public var skipped: Int
    /// The ReminderLog rows of the cancelled, missed and skipped jobs, as written (with their ids).
    public var logged: [ReminderLogEntry]
    /// Accounts that had jobs held back because their recipient was sent to lately
    /// (``LeaseQuery/spacing``): they wait for that recipient's gap.
    public var spaced: Set<String> = []
    /// Accounts that had jobs due beyond their budget: they wait for their sender's rate.
    public var paced: Set<String> = []

    public init(
        leased: [LeasedJob] = [], cancelled: Int = 0, missed: Int = 0, skipped: Int = 0, logged: [ReminderLogEntry] = []
    ) {
        self.leased = leased
        self.cancelled = cancelled
        self.missed = missed
        self.skipped = skipped
        self.logged = logged
    }
}

/// How a delivery attempt ended, as a worker reported it.
public enum JobResolution: Sendable, Equatable {
    /// Status `sent`, logged `sent` (at most one `sent` row per notification).
    case sent(provider: String, providerMessageID: String?)
    /// Permanent failure: status `failed`, logged `failed`. With `recipientGone`
    /// (a webhook endpoint answered 410 Gone, a chat room was deleted) the job's
    /// webhook subscription or team destination is disabled.
    case failed(provider: String, error: String, recipientGone: Bool = false)
    /// Back to `pending`, due `at`, with the error kept as `lastError` (not logged).
    /// With `switchToFallback`, a job with a `fallbackProvider` swaps it with `provider`.
    case retry(at: Date, provider: String, error: String, switchToFallback: Bool)
}

/// The result of one delivery attempt: `attempt` is the job's attempt when it was leased.
public struct JobResult: Sendable, Equatable {
    public var jobID: String
    public var attempt: Int
    public var resolution: JobResolution
    /// When the result was reached; the log row's time.
    public var at: Date

    public init(jobID: String, attempt: Int, resolution: JobResolution, at: Date) {
        self.jobID = jobID
        self.attempt = attempt
        self.resolution = resolution
        self.at = at
    }
}

/// What ``DispatchStore/applyResults(_:)`` did with one result.
public enum ResultDisposition: Sendable, Equatable {
    case applied
    /// Acknowledged and dropped: `unknown delivery`, `already sent`,
    /// `superseded by attempt N`, `unknown attempt N`, or `not leased (status)`.
    case ignored(reason: String)
}

/// What ``DispatchStore/applyResults(_:)`` did.
public struct AppliedResults: Sendable, Equatable {
    /// One per result, in input order.
    public var dispositions: [ResultDisposition]
    /// The ReminderLog rows written, as written (with their ids), in id order.
    public var logged: [ReminderLogEntry]

    public init(dispositions: [ResultDisposition] = [], logged: [ReminderLogEntry] = []) {
        self.dispositions = dispositions
        self.logged = logged
    }
}

/// Everything one turn of the dispatch loop asks of the store, carried out by
/// ``DispatchStore/dispatchTurn(_:decide:)`` in one transaction, in this order.
public struct DispatchTurn: Sendable, Equatable {
    /// The turn's time: leases are expired, jobs leased and next due times found as of it.
    public var now: Date
    /// Results to apply first (their workers' credit is already free).
    public var results: [JobResult]
    /// Providers' delivery receipts, applied after the results.
    public var receipts: [DeliveryReceipt]
    /// Customers' messages (opt-outs), applied after the receipts.
    public var inbound: [InboundMessage]
    /// Leases to give back (their workers are gone).
    public var releases: [String]
    /// Whether to expire leases that ran out by `now` (the loop knows one did).
    public var expireLeases: Bool
    /// Leases to take, one query per worker with free credit, in order.
    public var leases: [LeaseQuery]
    /// Channels whose next due times the loop sleeps on (those with free credit).
    public var watched: Set<String>

    public init(
        now: Date, results: [JobResult] = [], receipts: [DeliveryReceipt] = [], inbound: [InboundMessage] = [],
        releases: [String] = [], expireLeases: Bool = false, leases: [LeaseQuery] = [], watched: Set<String> = []
    ) {
        self.now = now
        self.results = results
        self.receipts = receipts
        self.inbound = inbound
        self.releases = releases
        self.expireLeases = expireLeases
        self.leases = leases
        self.watched = watched
    }

    /// Whether the turn writes anything at all (else it is a read).
    public var writes: Bool { !results.isEmpty || !receipts.isEmpty || !inbound.isEmpty || !releases.isEmpty || expireLeases || leases.contains { $0.limit > 0 } }
}

/// When a channel's next pending job falls due, after a turn.
public struct NextDue: Sendable, Equatable {
    /// The earliest due time of its pending jobs (possibly at or before the turn's
    /// `now`: due jobs no worker of it could take); nil when none is pending.
    public var earliest: Date?
    /// The earliest due time strictly after the turn's `now`; nil when none.
    public var afterNow: Date?

    public init(earliest: Date?, afterNow: Date?) {
        self.earliest = earliest
        self.afterNow = afterNow
    }
}

/// What ``DispatchStore/dispatchTurn(_:decide:)`` did.
public struct DispatchTurnOutcome: Sendable, Equatable {
    public var results: AppliedResults
    /// One per ``DispatchTurn/receipts``, in order.
    public var receipts: [ReceiptDisposition]
    /// One per ``DispatchTurn/inbound``, in order.
    public var inbound: [InboundDisposition]
    /// Leases given back, and leases expired.
    public var released: Int
    public var expired: Int
    /// One per ``DispatchTurn/leases`` query, in order.
    public var batches: [LeaseBatch]
    /// For each watched channel.
    public var nextDue: [String: NextDue]
    /// The earliest lease expiry after the turn; nil when nothing is leased.
    public var nextLeaseExpiry: Date?

    public init(
        results: AppliedResults = AppliedResults(), receipts: [ReceiptDisposition] = [],
        inbound: [InboundDisposition] = [], released: Int = 0, expired: Int = 0, batches: [LeaseBatch] = [],
        nextDue: [String: NextDue] = [:], nextLeaseExpiry: Date? = nil
    ) {
        self.results = results
        self.receipts = receipts
        self.inbound = inbound
        self.released = released
        self.expired = expired
        self.batches = batches
        self.nextDue = nextDue
        self.nextLeaseExpiry = nextLeaseExpiry
    }

    /// Every ReminderLog row the turn wrote, in id order: what the event stream publishes.
    public var logged: [ReminderLogEntry] {
        (results.logged + batches.flatMap(\.logged)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }
}

/// One channel's queue, as ``AdminStore/queueStats(now:)`` counts it.
/// The pending jobs of one provider account of a channel ("" the default account).
public struct AccountQueueStats: Sendable, Equatable {
    public var channel: String
    public var account: String
    public var dueNow: Int
    public var scheduled: Int
    /// The due time of the oldest job due now.
    public var oldestDue: Date?

    public init(channel: String, account: String, dueNow: Int, scheduled: Int, oldestDue: Date?) {
        self.channel = channel
        self.account = account
        self.dueNow = dueNow
        self.scheduled = scheduled
        self.oldestDue = oldestDue
    }
}

public struct ChannelQueueStats: Sendable, Equatable {
    public var channel: String
    /// Pending jobs with `dueAt <= now`.
    public var dueNow: Int
    /// Pending jobs due later.
    public var scheduled: Int
    /// Jobs in a worker's hands.
    public var leased: Int

    public init(channel: String, dueNow: Int, scheduled: Int, leased: Int) {
        self.channel = channel
        self.dueNow = dueNow
        self.scheduled = scheduled
        self.leased = leased
    }
}

extension JobResult {
    /// Why this result changes nothing for its job as stored (`job`, nil when there is
    /// none), or nil when it applies: the rules of ``DispatchStore/applyResults(_:)``,
    /// one place for every store.
    public func ignoredReason(for job: NotificationJob?) -> String? {
        guard let job else { return "unknown delivery" }
        if job.status == .sent { return "already sent" }
        if attempt < job.attempt { return "superseded by attempt \(job.attempt)" }
        if attempt > job.attempt { return "unknown attempt \(attempt)" }
        // A final answer for the current attempt counts even when the lease was already
        // given back (the worker was thought dead, or the core restarted) as long as no
        // newer attempt was handed out: recording it is what keeps the job from being
        // sent a second time.
        let isFinal: Bool = if case .retry = resolution { false } else { true }
        guard job.status == .leased || (job.status == .pending && isFinal) else {
            return "not leased (\(job.status.rawValue))"
        }
        return nil
    }
}

/// A due job's place in its sender's queue (``DispatchStore/dueJobTimings(channel:account:now:limit:)``):
/// enough to tell when pacing lets it go and whether that is too late.
public struct DueJobTiming: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var bookingID: String
    public var kind: NotificationKind
    public var dueAt: Date
    public var notAfter: Date?

    public init(id: String, tenantID: String, bookingID: String, kind: NotificationKind, dueAt: Date, notAfter: Date?) {
        self.id = id
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.kind = kind
        self.dueAt = dueAt
        self.notAfter = notAfter
    }
}
