import Foundation
import HeraldCore
import Testing

@Suite("SQLite store: listings, events and the ReminderLog")
struct SQLiteReadTests {
    @Test func upcomingExcludesPastAndInactiveBookingsSoonestFirst() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            let inTwoDays = Fixture.booking(id: "bk_2d", startingIn: 2 * 24 * 60)
            let inOneHour = Fixture.booking(id: "bk_1h", startingIn: 60, status: .pending)
            let past = Fixture.booking(id: "bk_past", startingIn: -60)
            let cancelled = Fixture.booking(id: "bk_cancelled", startingIn: 120, status: .cancelled)
            let noShow = Fixture.booking(id: "bk_noshow", startingIn: 180, status: .noShow)
            let otherTenant = Fixture.booking(id: "bk_other", tenantID: "other", startingIn: 30)
            for booking in [inTwoDays, inOneHour, past, cancelled, noShow, otherTenant] {
                try await Fixture.insert(booking, into: store)
            }

            let upcoming = try await store.bookings(tenantID: "acme", filter: .upcoming(after: Fixture.now), limit: 10)
            #expect(upcoming.map(\.id) == ["bk_1h", "bk_2d"])
            let first = try await store.bookings(tenantID: "acme", filter: .upcoming(after: Fixture.now), limit: 1)
            #expect(first.map(\.id) == ["bk_1h"])

            let all = try await store.bookings(tenantID: "acme", filter: .all, limit: 10)
            #expect(all.map(\.id) == ["bk_2d", "bk_noshow", "bk_cancelled", "bk_1h", "bk_past"])
        }
    }

    @Test func eventsComeInSequenceOrderWithTheSnapshotIntact() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            var booking = Fixture.booking(status: .pending)
            booking.customerName = "Zoë \"Q\" O'Neil / 東京"
            booking.customerPhone = nil
            let created = try await Fixture.insert(booking, into: store)
            let other = Fixture.booking(id: "bk_other")
            let otherCreated = try await Fixture.insert(other, into: store)

            var confirmed = booking
            confirmed.status = .confirmed
            confirmed.updatedAt = Fixture.minutes(1)
            let confirmation = try await store.writeBooking(BookingWrite(
                booking: confirmed, expected: booking,
                event: Fixture.event(.confirmed, for: confirmed, previous: booking, at: Fixture.minutes(1))))

            let all = try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 10)
            #expect(all == [created, otherCreated, confirmation])
            #expect(all.compactMap(\.sequence) == all.compactMap(\.sequence).sorted())
            #expect(all[0].booking == booking)
            #expect(all[2].booking == confirmed)
            #expect(all[2].previousStatus == .pending)

            let ofBooking = try await store.events(
                tenantID: "acme", bookingID: booking.id, afterSequence: try #require(created.sequence), limit: 10)
            #expect(ofBooking == [confirmation])
            #expect(try await store.events(tenantID: "other", bookingID: nil, afterSequence: 0, limit: 10).isEmpty)
        }
    }

    @Test func secondSentForTheSameNotificationIsAlreadyExists() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let job = Fixture.job(for: booking, kind: .reminder, offset: 60)
            try await Fixture.insert(booking, jobs: [job], into: store)

            let failed = try await store.appendLog(ReminderLogEntry(
                job: job, outcome: .failed, provider: "smtp", error: "451 try later", loggedAt: Fixture.now))
            let sent = try await store.appendLog(ReminderLogEntry(
                job: job, outcome: .sent, provider: "smtp", providerMessageID: "m-1", loggedAt: Fixture.minutes(1)))
            #expect(failed.id != nil && sent.id != nil && failed.id != sent.id)

            // A redelivery (same notification key, another attempt) must not log a second `sent`.
            var redelivered = job
            redelivered.attempt = 2
            await expectStoreError({
                if case .alreadyExists(StoreEntity.reminderLog, job.id) = $0 { true } else { false }
            }) {
                _ = try await store.appendLog(ReminderLogEntry(
                    job: redelivered, outcome: .sent, providerMessageID: "m-2", loggedAt: Fixture.minutes(2)))
            }

            // Another recipient is another notification.
            var toHost = job
            toHost.recipient = "host@acme.test"
            _ = try await store.appendLog(ReminderLogEntry(job: toHost, outcome: .sent, loggedAt: Fixture.minutes(3)))

            let log = try await store.reminderLog(tenantID: "acme", bookingID: nil, limit: 10)
            #expect(log.map(\.outcome) == [.sent, .sent, .failed])
            #expect(log.last == failed)
        }
    }
}
