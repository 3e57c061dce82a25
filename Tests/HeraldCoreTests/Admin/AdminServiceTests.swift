import Foundation
import HeraldProto
import Logging
import Synchronization
import Testing

@testable import HeraldCore

/// The admin service over a real SQLite store, with a clock the test sets.
@Suite("admin service")
struct AdminServiceTests {
    /// Events the service published, in order.
    final class Published: Sendable {
        let events = Mutex<[Herald_V1_BookingEvent]>([])
        /// ReminderLog rows handed on for the event stream, in order.
        let rows = Mutex<[ReminderLogEntry]>([])
        var types: [String] { events.withLock { $0.map(\.type) } }
    }

    static func withService(
        _ body: (AdminService, ManualWallClock, Published, SQLiteStore) async throws -> Void
    ) async throws {
        try await withTemporaryStore { store, _ in
            let clock = ManualWallClock(Fixture.now)
            let published = Published()
            let service = AdminService(
                store: store, clock: clock, logger: Logger(label: "test"),
                publish: { event in published.events.withLock { $0.append(event) } },
                logged: { rows in published.rows.withLock { $0 += rows } })
            _ = try await service.createTenant(.with {
                $0.id = "salon"
                $0.name = "Salon"
                $0.timezone = "Europe/Berlin"
            })
            try await body(service, clock, published, store)
        }
    }

    static func at(minutes: Double) -> String {
        Timestamp.format(Fixture.minutes(minutes))
    }

    @Test func createdBookingIsStoredWithItsEventAndPublishedAfterCommit() async throws {
        try await Self.withService { service, _, published, store in
            let booking = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.startAt = Self.at(minutes: 120)
                $0.customerEmail = "ada@example.com"
            })
            #expect(booking.id.hasPrefix("bk_"))
            #expect(booking.status == .confirmed)
            #expect(booking.endAt == Self.at(minutes: 180))
            let events = try await store.events(tenantID: "salon", bookingID: booking.id, afterSequence: 0, limit: 10)
            #expect(events.map(\.type) == [.created])
            #expect(published.types == ["booking.created"])
            #expect(published.events.withLock { $0.first?.sequence } == UInt64(events[0].sequence ?? -1))
        }
    }

    @Test func startMustBeAfterTheClocksNow() async throws {
        try await Self.withService { service, clock, published, store in
            let request = Herald_V1_CreateBookingRequest.with {
                $0.tenantID = "salon"
                $0.startAt = Self.at(minutes: 10)
            }
            clock.advance(by: 11 * 60)
            await #expect(throws: AdminError.self) { try await service.createBooking(request) }
            #expect(published.types.isEmpty)
            let stored = try await store.bookings(tenantID: "salon", filter: .all, limit: 10)
            #expect(stored.isEmpty)
        }
    }

    @Test func rescheduleBumpsTheScheduleVersionAndKeepsTheLength() async throws {
        try await Self.withService { service, _, published, _ in
            let created = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b1"
                $0.startAt = Self.at(minutes: 600)
                $0.endAt = Self.at(minutes: 630)
            })
            let moved = try await service.rescheduleBooking(.with {
                $0.id = created.id
                $0.startAt = Self.at(minutes: 900)
            })
            #expect(moved.scheduleVersion == 2)
            #expect(moved.endAt == Self.at(minutes: 930))
            // The same times again is a retry: no new version, no event.
            let again = try await service.rescheduleBooking(.with {
                $0.id = created.id
                $0.startAt = Self.at(minutes: 900)
            })
            #expect(again.scheduleVersion == 2)
            #expect(published.types == ["booking.created", "booking.rescheduled"])
            #expect(published.events.withLock { $0.last?.previousStartAt } == Self.at(minutes: 600))
        }
    }

    @Test func statusChangesFollowTheBookingsLife() async throws {
        try await Self.withService { service, _, published, _ in
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b1"
                $0.startAt = Self.at(minutes: 600)
                $0.status = .pending
            })
            _ = try await service.setBookingStatus(.with { $0.id = "b1"; $0.status = .confirmed })
            _ = try await service.setBookingStatus(.with { $0.id = "b1"; $0.status = .confirmed })
            _ = try await service.setBookingStatus(.with { $0.id = "b1"; $0.status = .completed })
            await #expect(throws: AdminError.failedPrecondition("booking \"b1\" is completed and cannot be cancelled")) {
                try await service.cancelBooking(.with { $0.id = "b1" })
            }
            await #expect(throws: AdminError.self) {
                try await service.setBookingStatus(.with { $0.id = "b1"; $0.status = .noShow })
            }
            #expect(published.types == ["booking.created", "booking.confirmed", "booking.completed"])
        }
    }

    @Test func bookingWritesPlanTheirNotificationsInTheSameTransaction() async throws {
        try await Self.withService { service, _, published, store in
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b1"
                $0.startAt = Self.at(minutes: 3000)
                $0.customerEmail = "ada@example.com"
            })
            // Default settings: email on, reminders 1440 and 60 minutes before.
            let planned = try await store.jobs(bookingID: "b1")
            #expect(planned.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.confirmation, .reminder, .reminder])
            #expect(planned.allSatisfy { $0.status == .pending && $0.channel == "email" })

            _ = try await service.cancelBooking(.with { $0.id = "b1"; $0.reason = "customer called" })
            let jobs = try await store.jobs(bookingID: "b1")
            #expect(jobs.filter { $0.kind != .cancellation }.allSatisfy { $0.status == .cancelled })
            #expect(jobs.filter { $0.kind == .cancellation }.map(\.status) == [.pending])
            let log = try await store.reminderLog(tenantID: "salon", bookingID: "b1", limit: 10)
            #expect(log.count == 3)
            #expect(log.allSatisfy { $0.outcome == .cancelled && $0.error == "booking cancelled: customer called" })
            // The rows go to the event stream as stored, once the write committed.
            #expect(published.rows.withLock { $0 } == Array(log.reversed()))
        }
    }

    @Test func aBookingTooCloseForARemindersTimeRecordsItSkipped() async throws {
        try await Self.withService { service, _, _, store in
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "soon"
                $0.startAt = Self.at(minutes: 30)
                $0.customerEmail = "ada@example.com"
            })
            let jobs = try await store.jobs(bookingID: "soon")
            #expect(jobs.filter { $0.kind == .reminder }.map(\.status) == [.skipped, .skipped])
            let log = try await store.reminderLog(tenantID: "salon", bookingID: "soon", limit: 10)
            #expect(log.map(\.outcome) == [.skipped, .skipped])
        }
    }

    @Test func unknownReferencesAreNotFoundByField() async throws {
        try await Self.withService { service, _, _, _ in
            do {
                _ = try await service.createBooking(.with {
                    $0.tenantID = "salon"
                    $0.startAt = Self.at(minutes: 60)
                    $0.eventTypeID = "massage"
                })
                Issue.record("an unknown event type was accepted")
            } catch let error as AdminError {
                #expect(error.code == .notFound)
                #expect(error.violations.map(\.field) == ["event_type_id"])
            }
            do {
                _ = try await service.listBookings(.with { $0.tenantID = "nobody" })
                Issue.record("an unknown tenant was accepted")
            } catch let error as AdminError {
                #expect(error.code == .notFound)
                #expect(error.violations.map(\.field) == ["tenant_id"])
            }
        }
    }

    /// The console's lists through the RPC: a search, a start window, log filters,
    /// and each bad value refused by its field.
    @Test func listingsSearchWindowAndLogFilters() async throws {
        try await Self.withService { service, _, _, _ in
            let ada = try await service.createBooking(.with {
                $0.tenantID = "salon"; $0.startAt = Self.at(minutes: 120); $0.customerName = "Ada Lovelace"
                $0.customerEmail = "ada@example.com"
            })
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"; $0.startAt = Self.at(minutes: 3000); $0.customerName = "Grace Hopper"
                $0.customerEmail = "grace@example.com"
            })
            let found = try await service.listBookings(.with { $0.tenantID = "salon"; $0.search = "  LOVELACE " })
            #expect(found.bookings.map(\.id) == [ada.id])
            let today = try await service.listBookings(.with {
                $0.tenantID = "salon"; $0.startsFrom = Self.at(minutes: 0); $0.startsBefore = Self.at(minutes: 24 * 60)
            })
            #expect(today.bookings.map(\.customerName) == ["Ada Lovelace"])
            let sent = try await service.listReminderLog(.with { $0.tenantID = "salon"; $0.kind = "confirmation"; $0.outcome = "skipped" })
            #expect(sent.entries.allSatisfy { $0.kind == "confirmation" && $0.outcome == "skipped" })

            func refused(_ fields: [String], _ call: () async throws -> Void) async {
                do {
                    try await call()
                    Issue.record("accepted")
                } catch let error as AdminError {
                    #expect(error.code == .invalidArgument && error.violations.map(\.field) == fields, "\(error.violations)")
                } catch {
                    Issue.record("unexpected \(error)")
                }
            }
            await refused(["starts_before"]) {
                _ = try await service.listBookings(.with { $0.tenantID = "salon"; $0.startsFrom = Self.at(minutes: 0) })
            }
            await refused(["starts_before"]) {
                _ = try await service.listBookings(.with {
                    $0.tenantID = "salon"; $0.startsFrom = Self.at(minutes: 60); $0.startsBefore = Self.at(minutes: 0)
                })
            }
            await refused(["search"]) {
                _ = try await service.listBookings(.with { $0.tenantID = "salon"; $0.search = String(repeating: "a", count: 201) })
            }
            await refused(["search"]) {
                _ = try await service.listBookings(.with { $0.tenantID = "salon"; $0.search = "ada\u{0}" })
            }
            await refused(["channel", "outcome", "kind", "since", "before_id"]) {
                _ = try await service.listReminderLog(.with {
                    $0.channel = "SMS\u{0}"; $0.outcome = "lost"; $0.kind = "postcard"; $0.since = "yesterday"; $0.beforeID = -1
                })
            }
        }
    }

    @Test func settingsUpdateChangesOnlyWhatIsPresent() async throws {
        try await Self.withService { service, _, _, _ in
            let before = try await service.getSettings(.with { $0.tenantID = "salon" })
            #expect(before.timezone == "Europe/Berlin")
            let after = try await service.updateSettings(.with {
                $0.tenantID = "salon"
                $0.smsEnabled = true
                $0.quietHours = .with { $0.startMinute = 21 * 60; $0.endMinute = 8 * 60 }
            })
            #expect(after.smsEnabled)
            #expect(after.emailEnabled == before.emailEnabled)
            #expect(after.reminderOffsetsMinutes == before.reminderOffsetsMinutes)
            #expect(after.quietHours.startMinute == 1260)
            let cleared = try await service.updateSettings(.with {
                $0.tenantID = "salon"
                $0.clearQuietHours_p = true
            })
            #expect(!cleared.hasQuietHours)
            await #expect(throws: AdminError.self) {
                try await service.updateSettings(.with {
                    $0.tenantID = "salon"
                    $0.quietHours = .with { $0.startMinute = 600; $0.endMinute = 600 }
                })
            }
        }
    }

    @Test func webhookSecretsAreRandomAndListedWithoutThem() async throws {
        try await Self.withService { service, _, _, _ in
            let first = try await service.addWebhook(.with { $0.tenantID = "salon"; $0.url = "https://a.example/hook" })
            let second = try await service.addWebhook(.with { $0.tenantID = "salon"; $0.url = "https://b.example/hook" })
            #expect(first.secret.hasPrefix("whsec_"))
            #expect(first.secret != second.secret)
            let listed = try await service.listWebhooks(.with { $0.tenantID = "salon" })
            #expect(listed.webhooks.count == 2)
            #expect(listed.webhooks.allSatisfy { $0.secret.isEmpty })
        }
    }
}
