import Foundation
import HeraldCore
import Testing

/// Test data around a fixed, whole-second instant, so runs are reproducible.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func minutes(_ count: Double, after date: Date = now) -> Date {
        date.addingTimeInterval(count * 60)
    }

    static func tenant(_ id: String = "acme") -> Tenant {
        Tenant(id: id, name: "Acme \(id)", createdAt: now)
    }

    /// Creates a tenant with default settings.
    @discardableResult
    static func createTenant(_ store: any AdminStore, id: String = "acme") async throws -> Tenant {
        let tenant = tenant(id)
        try await store.createTenant(tenant, settings: .defaults(tenantID: id, now: now))
        return tenant
    }

    static func booking(
        id: String = Identifier.make(prefix: "bk"),
        tenantID: String = "acme",
        startingIn minutesFromNow: Double = 3 * 24 * 60,
        status: BookingStatus = .confirmed
    ) -> Booking {
        let start = minutes(minutesFromNow)
        return Booking(
            id: id, tenantID: tenantID, customerName: "Ada Lovelace",
            customerEmail: "ada@example.com", customerPhone: "+441234567890",
            startAt: start, endAt: start.addingTimeInterval(3600),
            status: status, scheduleVersion: 1, createdAt: now, updatedAt: now)
    }

    static func event(
        _ type: BookingEventType, for booking: Booking, previous: Booking? = nil, at: Date = now
    ) -> BookingEventRecord {
        BookingEventRecord(
            id: Identifier.make(prefix: "evt"), type: type, tenantID: booking.tenantID,
            bookingID: booking.id, occurredAt: at, booking: booking,
            previousStartAt: previous?.startAt, previousEndAt: previous?.endAt,
            previousStatus: previous?.status)
    }

    static func job(
        id: String = Identifier.make(prefix: "job"),
        for booking: Booking,
        kind: NotificationKind,
        offset: Int = 0,
        channel: String = "email"
    ) -> NotificationJob {
        NotificationJob(
            id: id, tenantID: booking.tenantID, bookingID: booking.id, kind: kind,
            channel: channel, recipient: booking.customerEmail ?? "", reminderOffsetMinutes: offset,
            scheduleVersion: booking.scheduleVersion,
            dueAt: booking.startAt.addingTimeInterval(Double(-offset) * 60),
            createdAt: now, updatedAt: now)
    }

    /// A pending job due at an exact time, for the dispatcher's queries.
    static func dueJob(
        _ id: String,
        for booking: Booking,
        due: Date,
        channel: String = "email",
        provider: String? = nil,
        fallbackProvider: String? = nil,
        kind: NotificationKind = .reminder,
        offset: Int? = nil
    ) -> NotificationJob {
        NotificationJob(
            id: id, tenantID: booking.tenantID, bookingID: booking.id, kind: kind,
            channel: channel, provider: provider, fallbackProvider: fallbackProvider,
            recipient: booking.customerEmail ?? "",
            // By default an offset derived from the id, so jobs are distinct notifications.
            reminderOffsetMinutes: offset ?? id.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 1_000_003 },
            scheduleVersion: booking.scheduleVersion, dueAt: due, createdAt: now, updatedAt: now)
    }

    /// Inserts a new booking with a `booking.created` event and the given jobs.
    @discardableResult
    static func insert(
        _ booking: Booking, jobs: [NotificationJob] = [], into store: any AdminStore
    ) async throws -> BookingEventRecord {
        try await store.writeBooking(BookingWrite(
            booking: booking, expected: nil, event: event(.created, for: booking), newJobs: jobs)).event
    }
}

/// A lease query around ``Fixture/now`` with a one-minute lease.
func leaseQuery(
    channel: String = "email",
    provider: String = "smtp",
    accounts: Set<String> = [""],
    present: Set<String> = [],
    limit: Int = 10,
    now: Date = Fixture.now,
    worker: String = "worker-1"
) -> LeaseQuery {
    LeaseQuery(
        channel: channel, provider: provider, accounts: accounts, presentProviders: present, limit: limit,
        now: now, leaseUntil: now.addingTimeInterval(60), leasedTo: worker)
}

/// Whether `error` is the ``StoreError`` case the predicate accepts.
func expectStoreError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (StoreError) -> Bool,
    performing body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a StoreError, but the operation succeeded", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(matches(error), "unexpected \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
    }
}
