import Foundation
import HeraldCore
import Testing

@Suite("store contract: listings, events and the ReminderLog")
struct ListingContractTests {
    @Test(arguments: StoreFactory.all) func upcomingExcludesPastAndInactiveBookingsSoonestFirst(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func eventsComeInSequenceOrderWithTheSnapshotIntact(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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
                event: Fixture.event(.confirmed, for: confirmed, previous: booking, at: Fixture.minutes(1)))).event

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

    @Test(arguments: StoreFactory.all) func reminderLogWithoutATenantListsAllTenantsNewestFirst(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store, id: "acme")
            try await Fixture.createTenant(store, id: "globex")
            let first = Fixture.booking(tenantID: "acme")
            let second = Fixture.booking(tenantID: "globex")
            for booking in [first, second] {
                let job = Fixture.dueJob("job_\(booking.tenantID)", for: booking, due: Fixture.now)
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newLogEntries: [ReminderLogEntry(job: job, outcome: .skipped, loggedAt: Fixture.now)]))
            }
            let all = try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10)
            #expect(all.map(\.tenantID) == ["globex", "acme"])
            #expect(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 1).map(\.tenantID) == ["globex"])
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: nil, limit: 10).map(\.jobID) == ["job_acme"])
            #expect(try await store.reminderLog(tenantID: nil, bookingID: second.id, limit: 10).map(\.jobID)
                == ["job_globex"])
        }
    }

    @Test(arguments: StoreFactory.all) func pagesFollowTheCursorInTheFiltersOrder(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            // Three bookings share a start time, across page boundaries in both orders:
            // the id breaks the tie, so no booking is skipped or repeated.
            let bookings = [
                Fixture.booking(id: "bk_a", startingIn: 60), Fixture.booking(id: "bk_b", startingIn: 120),
                Fixture.booking(id: "bk_c", startingIn: 120), Fixture.booking(id: "bk_d", startingIn: 120),
                Fixture.booking(id: "bk_e", startingIn: 180),
            ]
            for booking in bookings { try await Fixture.insert(booking, into: store) }

            func pages(_ filter: BookingFilter) async throws -> [[String]] {
                var result: [[String]] = []
                var cursor: BookingCursor?
                while true {
                    let page = try await store.bookings(tenantID: "acme", filter: filter, after: cursor, limit: 2)
                    if page.isEmpty { break }
                    result.append(page.map(\.id))
                    cursor = page.last.map { BookingCursor(startAt: $0.startAt, id: $0.id) }
                }
                return result
            }
            #expect(try await pages(.upcoming(after: Fixture.now)) == [["bk_a", "bk_b"], ["bk_c", "bk_d"], ["bk_e"]])
            #expect(try await pages(.all) == [["bk_e", "bk_d"], ["bk_c", "bk_b"], ["bk_a"]])
        }
    }
}
