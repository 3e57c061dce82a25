import Foundation
import HeraldCore
import Testing

@Suite("store contract: confirmation deadlines")
struct ConfirmByContractTests {
    /// A pending booking asked to confirm, with its deadline `deadline` minutes from now.
    static func asked(_ id: String, deadline: Double?) -> Booking {
        var booking = Fixture.booking(id: id, status: .pending)
        booking.askedToConfirm = true
        booking.confirmBy = deadline.map { Fixture.minutes($0) }
        return booking
    }

    @Test(arguments: StoreFactory.all) func deadlinesAreFoundEarliestFirstAndClearedByTheNextWrite(
        _ factory: StoreFactory
    ) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            #expect(try await store.nextConfirmBy() == nil)
            let late = Self.asked("b_late", deadline: 90)
            let early = Self.asked("b_early", deadline: 30)
            let none = Self.asked("b_none", deadline: nil)
            for booking in [late, early, none] { _ = try await Fixture.insert(booking, into: store) }
            // Stored and read back as written, the asking and the deadline included.
            #expect(try await store.booking(id: "b_early") == early)
            #expect(try await store.booking(id: "b_none") == none)
            #expect(try await store.nextConfirmBy() == Fixture.minutes(30))
            #expect(try await store.bookingsPastConfirmBy(Fixture.minutes(29), limit: 10).isEmpty)
            #expect(try await store.bookingsPastConfirmBy(Fixture.minutes(30), limit: 10).map(\.id) == ["b_early"])
            #expect(try await store.bookingsPastConfirmBy(Fixture.minutes(120), limit: 10).map(\.id) == ["b_early", "b_late"])
            #expect(try await store.bookingsPastConfirmBy(Fixture.minutes(120), limit: 1).map(\.id) == ["b_early"])

            // The deadline passes: booking.unconfirmed is stored with the booking, its deadline gone.
            var reported = early
            reported.confirmBy = nil
            reported.updatedAt = Fixture.minutes(30)
            let written = try await store.writeBooking(BookingWrite(
                booking: reported, expected: early, event: Fixture.event(.unconfirmed, for: reported, previous: early)))
            #expect(written.event.type == .unconfirmed)
            #expect(try await store.booking(id: "b_early") == reported)
            #expect(try await store.events(tenantID: "acme", bookingID: "b_early", afterSequence: 0, limit: 10).map(\.type)
                == [.created, .unconfirmed])
            #expect(try await store.events(tenantID: "acme", bookingID: "b_early", afterSequence: 0, limit: 10).last?.booking
                == reported)
            #expect(try await store.nextConfirmBy() == Fixture.minutes(90))
            #expect(try await store.bookingsPastConfirmBy(Fixture.minutes(120), limit: 10).map(\.id) == ["b_late"])
        }
    }
}
