import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

/// "Ask for confirmation" through the admin service: bookings start pending and are
/// asked, confirming stops the asking, and at the deadline a still-pending booking
/// is reported (booking.unconfirmed) or cancelled through the normal path.
@Suite("admin service: asking customers to confirm")
struct AdminConfirmationTests {
    /// Tenant "salon" asks, with a deadline an hour before the start.
    static func ask(_ service: AdminService, deadline: UInt32 = 60, cancel: Bool = false) async throws {
        _ = try await service.updateSettings(.with {
            $0.tenantID = "salon"
            $0.senderName = "Salon"
            $0.askConfirmation = true
            $0.confirmDeadlineMinutes = deadline
            $0.cancelUnconfirmed = cancel
        })
    }

    static func book(_ service: AdminService, _ id: String, minutes: Double = 600) async throws -> Herald_V1_Booking {
        try await service.createBooking(.with {
            $0.tenantID = "salon"
            $0.id = id
            $0.customerName = "Ada"
            $0.customerEmail = "ada@example.com"
            $0.startAt = AdminServiceTests.at(minutes: minutes)
        })
    }

    @Test func aBookingOfATenantThatAsksStartsPendingWithItsDeadline() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            try await Self.ask(service)
            let booking = try await Self.book(service, "b1")
            #expect(booking.status == .pending)
            #expect(booking.askedToConfirm)
            #expect(booking.confirmBy == Timestamp.format(Fixture.minutes(540)))
            // The request and the reminders are planned while it is pending.
            let jobs = try await store.jobs(bookingID: "b1")
            #expect(jobs.map(\.kind).sorted(by: { $0.rawValue < $1.rawValue }) == [.confirmation, .reminder, .reminder])

            // The app may still say confirmed: then nobody is asked.
            let confirmed = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b2"
                $0.customerName = "Bo"
                $0.customerEmail = "bo@example.com"
                $0.startAt = AdminServiceTests.at(minutes: 600)
                $0.status = .confirmed
            })
            #expect(confirmed.status == .confirmed && !confirmed.askedToConfirm && confirmed.confirmBy.isEmpty)
        }
    }

    @Test func theRequestAsksAndTheAcknowledgementConfirms() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            try await Self.ask(service)
            _ = try await Self.book(service, "b1")
            let settings = try #require(try await store.settings(tenantID: "salon"))
            let renderer = MessageRenderer()
            func confirmation() async throws -> Herald_V1_RenderedMessage {
                let booking = try #require(try await store.booking(id: "b1"))
                return renderer.render(
                    kind: .confirmation, channel: "email", booking: booking, settings: settings, eventType: nil,
                    reminderOffsetMinutes: 0, template: nil)
            }
            let request = try await confirmation()
            #expect(request.subject == "Please confirm your appointment at Salon")
            #expect(request.textBody.contains("please confirm that you will come"))
            #expect(request.calendar.ics.contains("STATUS:TENTATIVE"))
            let sms = renderer.render(
                kind: .reminder, channel: "sms", booking: try #require(try await store.booking(id: "b1")), settings: settings,
                eventType: nil, reminderOffsetMinutes: 60, template: nil)
            #expect(sms.textBody.hasSuffix("Please confirm."))

            let confirmed = try await service.setBookingStatus(.with {
                $0.id = "b1"
                $0.status = .confirmed
            })
            #expect(confirmed.confirmBy.isEmpty && confirmed.askedToConfirm)
            let acknowledgement = try await confirmation()
            #expect(acknowledgement.subject == "Your appointment at Salon is confirmed")
            #expect(!acknowledgement.textBody.contains("please confirm"))
            #expect(acknowledgement.calendar.ics.contains("STATUS:CONFIRMED"))

            // The unsent request was cancelled, the acknowledgement planned with the event's id,
            // and the reminders stand (planned once).
            let jobs = try await store.jobs(bookingID: "b1")
            let confirmations = jobs.filter { $0.kind == .confirmation }
            #expect(confirmations.map(\.status).sorted(by: { $0.rawValue < $1.rawValue }) == [.cancelled, .pending])
            #expect(confirmations.first { $0.status == .pending }?.eventID.hasPrefix("evt_") == true)
            // (The day-before one was too late for a booking made ten hours ahead.)
            #expect(jobs.filter { $0.kind == .reminder && $0.status == .pending }.map(\.reminderOffsetMinutes) == [60])
        }
    }

    @Test func atTheDeadlineAStillPendingBookingIsReportedOnce() async throws {
        try await AdminServiceTests.withService { service, clock, published, store in
            try await Self.ask(service)
            _ = try await Self.book(service, "b1")
            _ = try await Self.book(service, "b2", minutes: 900)
            #expect(try await service.processConfirmationDeadlines() == 0)
            #expect(try await store.nextConfirmBy() == Fixture.minutes(540))

            clock.set(Fixture.minutes(540))
            #expect(try await service.processConfirmationDeadlines() == 1)
            let reported = try #require(try await store.booking(id: "b1"))
            #expect(reported.status == .pending && reported.confirmBy == nil)
            #expect(published.types.filter { $0 == "booking.unconfirmed" }.count == 1)
            // The customer is still asked: its reminders stand.
            let reminders = try await store.jobs(bookingID: "b1").filter { $0.kind == .reminder && $0.status == .pending }
            #expect(reminders.map(\.reminderOffsetMinutes) == [60])
            #expect(try await service.processConfirmationDeadlines() == 0)
            #expect(try await store.nextConfirmBy() == Fixture.minutes(840))

            let events = try await service.listEvents(.with {
                $0.tenantID = "salon"
                $0.bookingID = "b1"
            })
            #expect(events.events.map(\.type) == ["booking.created", "booking.unconfirmed"])
        }
    }

    @Test func withCancelUnconfirmedTheBookingIsCancelledWithItsNotice() async throws {
        try await AdminServiceTests.withService { service, clock, published, store in
            try await Self.ask(service, cancel: true)
            _ = try await Self.book(service, "b1")
            _ = try await Self.book(service, "b2")
            _ = try await service.setBookingStatus(.with {
                $0.id = "b2"
                $0.status = .confirmed
            })
            clock.set(Fixture.minutes(541))
            #expect(try await service.processConfirmationDeadlines() == 1)
            #expect(try await store.booking(id: "b1")?.status == .cancelled)
            #expect(try await store.booking(id: "b2")?.status == .confirmed)
            let jobs = try await store.jobs(bookingID: "b1")
            #expect(jobs.contains { $0.kind == .cancellation && $0.status == .pending })
            let reminders = jobs.filter { $0.kind == .reminder && $0.status != .skipped }
            #expect(reminders.count == 1)
            #expect(reminders.allSatisfy { $0.status == .cancelled })
            #expect(reminders.allSatisfy { $0.lastError?.contains("not confirmed by") == true })
            #expect(published.types.suffix(1) == ["booking.cancelled"])
        }
    }

    @Test func aDeadlineOutOfRangeIsRefusedAndNothingChanges() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            let error = await #expect(throws: AdminError.self) {
                _ = try await service.updateSettings(.with {
                    $0.tenantID = "salon"
                    $0.askConfirmation = true
                    $0.confirmDeadlineMinutes = 43_201
                })
            }
            #expect(error?.code == .invalidArgument)
            let settings = try await store.settings(tenantID: "salon")
            #expect(settings?.askConfirmation == false)
        }
    }

    @Test func anEventTypeMayAskWhenItsTenantDoesNot() async throws {
        try await AdminServiceTests.withService { service, _, _, _ in
            _ = try await service.createEventType(.with {
                $0.tenantID = "salon"
                $0.id = "consult"
                $0.name = "Consultation"
                $0.askConfirmation = true
                $0.location = "Hauptstraße 1, Berlin"
                $0.description_p = "Bring your last report.\r\nArrive early."
            })
            let asked = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.eventTypeID = "consult"
                $0.customerName = "Ada"
                $0.customerEmail = "ada@example.com"
                $0.startAt = AdminServiceTests.at(minutes: 600)
            })
            #expect(asked.status == .pending && asked.askedToConfirm)
            let plain = try await Self.book(service, "b9")
            #expect(plain.status == .confirmed && !plain.askedToConfirm)

            let eventType = try await service.updateEventType(.with {
                $0.tenantID = "salon"
                $0.id = "consult"
                $0.clearAskConfirmation_p = true
                $0.calendarInvites = false
            })
            #expect(!eventType.hasAskConfirmation && eventType.hasCalendarInvites && !eventType.calendarInvites)
            #expect(eventType.location == "Hauptstraße 1, Berlin")
            #expect(eventType.description_p == "Bring your last report.\nArrive early.")
            let refused = await #expect(throws: AdminError.self) {
                _ = try await service.updateEventType(.with {
                    $0.tenantID = "salon"
                    $0.id = "consult"
                    $0.askConfirmation = true
                    $0.clearAskConfirmation_p = true
                    $0.location = "line\u{0}break"
                })
            }
            #expect(refused?.code == .invalidArgument)
            #expect(Set(refused?.violations.map(\.field) ?? []) == ["ask_confirmation", "location"])
        }
    }
}
