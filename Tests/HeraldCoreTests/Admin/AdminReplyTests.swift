import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

/// Customers' replies act through the admin service from the kept replies: once, on
/// the booking decided first, even when the core stopped between deciding and acting.
@Suite("admin service: replies that confirm or cancel")
struct AdminReplyTests {
    static let phone = "+441234567890"

    static func setUp(_ service: AdminService, bookings: [(id: String, minutes: Double)]) async throws {
        _ = try await service.updateSettings(.with {
            $0.tenantID = "salon"
            $0.setReplyKeywords = true
            $0.replyConfirmKeywords = ["C"]
            $0.replyCancelKeywords = ["X"]
        })
        for booking in bookings {
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = booking.id
                $0.customerName = "Ada"
                $0.customerPhone = phone
                $0.startAt = AdminServiceTests.at(minutes: booking.minutes)
                $0.status = .pending
            })
        }
    }

    static func reply(_ text: String, id: String) -> InboundMessage {
        InboundMessage(channel: "sms", provider: "twilio", providerMessageID: id, from: phone, text: text, receivedAt: Fixture.now)
    }

    @Test func aKeptReplyConfirmsTheNextBookingOnce() async throws {
        try await AdminServiceTests.withService { service, _, published, store in
            try await Self.setUp(service, bookings: [("b1", 600), ("b2", 1200)])
            #expect(try await store.applyInbound([Self.reply(" c ", id: "SM1")]) == [.reply])
            #expect(try await store.applyInbound([Self.reply(" c ", id: "SM1")]) == [.duplicate])
            #expect(try await store.pendingReplies(limit: 10).map(\.message.text) == [" c "])

            await service.processReplies()
            #expect(try await store.booking(id: "b1")?.status == .confirmed)
            #expect(try await store.booking(id: "b2")?.status == .pending)
            #expect(try await store.pendingReplies(limit: 10).isEmpty)
            #expect(published.types.filter { $0 == "booking.confirmed" }.count == 1)

            // Nothing kept: nothing more happens.
            await service.processReplies()
            #expect(published.types.filter { $0 == "booking.confirmed" }.count == 1)
        }
    }

    /// The core decided on b1 and cancelled it, then stopped before forgetting the
    /// reply: acting again leaves b1 cancelled once and never touches b2.
    @Test func aReplyActedOnBeforeAStopIsNotAppliedToTheNextBooking() async throws {
        try await AdminServiceTests.withService { service, _, published, store in
            try await Self.setUp(service, bookings: [("b1", 600), ("b2", 1200)])
            #expect(try await store.applyInbound([Self.reply("X", id: "SM2")]) == [.reply])
            let kept = try #require(try await store.pendingReplies(limit: 10).first)
            let decided = try await store.decideReply(id: kept.id, .init(bookingID: "b1", action: .cancel))
            #expect(decided?.decision == .init(bookingID: "b1", action: .cancel))
            // A second decision (another core) does not replace the first.
            let again = try await store.decideReply(id: kept.id, .init(bookingID: "b2", action: .confirm))
            #expect(again?.decision == .init(bookingID: "b1", action: .cancel))
            _ = try await service.cancelBooking(.with { $0.id = "b1" })

            await service.processReplies()
            #expect(try await store.booking(id: "b1")?.status == .cancelled)
            #expect(try await store.booking(id: "b2")?.status == .pending)
            #expect(published.types.filter { $0 == "booking.cancelled" }.count == 1)
            #expect(try await store.pendingReplies(limit: 10).isEmpty)
        }
    }

    /// Without reply keywords a reply is not kept; an opt-out word is never a reply.
    @Test func repliesAreKeptOnlyForTenantsWithKeywords() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b1"
                $0.customerPhone = Self.phone
                $0.startAt = AdminServiceTests.at(minutes: 600)
            })
            #expect(try await store.applyInbound([Self.reply("C", id: "SM3")]) == [.ignored])
            try await Self.setUp(service, bookings: [])
            #expect(try await store.applyInbound([Self.reply("C", id: "SM4"), Self.reply("STOP", id: "SM5")]) == [.reply, .optedOut(tenants: ["salon"])])
            #expect(try await store.pendingReplies(limit: 10).count == 1)
        }
    }
}
