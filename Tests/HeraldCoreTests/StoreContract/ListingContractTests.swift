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

    /// The console's lists: a day's bookings of every status, and a search by customer.
    @Test(arguments: StoreFactory.all) func aWindowListsEveryStatusAndASearchMatchesCustomers(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            var zoe = Fixture.booking(id: "bk_zoe", startingIn: 60, status: .cancelled)
            zoe.customerName = "ZOË O'Brien <b>"
            zoe.customerEmail = "Zoe@Example.com"
            zoe.customerPhone = nil
            var percent = Fixture.booking(id: "bk_percent", startingIn: 120, status: .pending)
            percent.customerName = "100% Ada_Lovelace"
            let tomorrow = Fixture.booking(id: "bk_tomorrow", startingIn: 25 * 60)
            let before = Fixture.booking(id: "bk_before", startingIn: -30, status: .completed)
            var other = Fixture.booking(id: "bk_other", tenantID: "other", startingIn: 90)
            other.customerName = "Zoë Other"
            for booking in [zoe, percent, tomorrow, before, other] { try await Fixture.insert(booking, into: store) }

            let day = BookingFilter.starting(from: Fixture.now, before: Fixture.minutes(24 * 60))
            #expect(try await store.bookings(tenantID: "acme", filter: day, limit: 10).map(\.id) == ["bk_zoe", "bk_percent"])
            let page = try await store.bookings(
                tenantID: "acme", filter: day, after: BookingCursor(startAt: zoe.startAt, id: zoe.id), limit: 10)
            #expect(page.map(\.id) == ["bk_percent"])

            func search(_ text: String) async throws -> [String] {
                try await store.bookings(tenantID: "acme", filter: .matching(text), limit: 10).map(\.id)
            }
            // Any letter's case, in the name, the e-mail or the phone; every status; newest start first.
            #expect(try await search("zoë o'brien") == ["bk_zoe"])
            #expect(try await search("ZOË") == ["bk_zoe"])
            #expect(try await search("O'BRIEN") == ["bk_zoe"], "an ASCII text in a value that is not all ASCII")
            #expect(try await search("<B>") == ["bk_zoe"])
            #expect(try await search("zoe@example") == ["bk_zoe"])
            #expect(try await search("ada") == ["bk_tomorrow", "bk_percent", "bk_before"])
            #expect(try await search("+4412345") == ["bk_tomorrow", "bk_percent", "bk_before"])
            // The id whole, not a part of it; % and _ are text, not wildcards.
            #expect(try await search("bk_before") == ["bk_before"])
            #expect(try await search("bk_") == [])
            #expect(try await search("100%") == ["bk_percent"])
            #expect(try await search("a_l") == ["bk_percent"])
            #expect(try await search("Other") == [], "another tenant's booking")
            let next = try await store.bookings(
                tenantID: "acme", filter: .matching("ada"), after: BookingCursor(startAt: percent.startAt, id: percent.id), limit: 10)
            #expect(next.map(\.id) == ["bk_before"])
        }
    }

    @Test(arguments: StoreFactory.all) func reminderLogQueriesFilterAndPage(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let rows: [(String, String, NotificationKind, LogOutcome, Double)] = [
                ("job_1", "email", .confirmation, .sent, 0), ("job_2", "sms", .reminder, .failed, 10),
                ("job_3", "email", .reminder, .skipped, 20), ("job_4", "sms", .confirmation, .sent, 30),
                ("job_5", "webhook", .webhook, .sent, 40),
            ]
            try await store.writeBooking(BookingWrite(
                booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                newLogEntries: rows.map { id, channel, kind, outcome, minutes in
                    ReminderLogEntry(
                        job: Fixture.dueJob(id, for: booking, due: Fixture.now, channel: channel, kind: kind),
                        outcome: outcome, loggedAt: Fixture.minutes(minutes))
                }))
            func ids(_ query: ReminderLogQuery) async throws -> [String] { try await store.reminderLog(query).map(\.jobID) }
            #expect(try await ids(ReminderLogQuery(limit: 10)) == ["job_5", "job_4", "job_3", "job_2", "job_1"])
            #expect(try await ids(ReminderLogQuery(tenantID: "acme", outcome: .sent, limit: 10)) == ["job_5", "job_4", "job_1"])
            #expect(try await ids(ReminderLogQuery(channel: "sms", limit: 10)) == ["job_4", "job_2"])
            #expect(try await ids(ReminderLogQuery(kind: .reminder, limit: 10)) == ["job_3", "job_2"])
            #expect(try await ids(ReminderLogQuery(outcome: .sent, channel: "email", kind: .confirmation, limit: 10)) == ["job_1"])
            #expect(try await ids(ReminderLogQuery(since: Fixture.minutes(10), until: Fixture.minutes(30), limit: 10)) == ["job_3", "job_2"])
            #expect(try await ids(ReminderLogQuery(tenantID: "nobody", limit: 10)) == [])
            // Pages: each after the last id of the one before.
            let first = try await store.reminderLog(ReminderLogQuery(limit: 2))
            #expect(first.map(\.jobID) == ["job_5", "job_4"])
            let second = try await ids(ReminderLogQuery(beforeID: first.last?.id, limit: 2))
            #expect(second == ["job_3", "job_2"])
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
