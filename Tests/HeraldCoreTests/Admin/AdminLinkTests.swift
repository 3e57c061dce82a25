import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

/// The links' pages as the core answers them: describing changes nothing,
/// following unsubscribes from follow-ups once, and a link that is forged, expired
/// or signed with a retired key opens nothing.
@Suite("admin service: signed links")
struct AdminLinkTests {
    static func unsubscribeLink(_ service: AdminService, recipient: String = "Ada@Example.com", expires: Double = 60) async throws -> String {
        let key = try await service.linkKeyring.signingKey()
        return LinkToken.sign(LinkClaim(
            action: .unsubscribe, tenantID: "salon", bookingID: "b-1", channel: "email", recipient: recipient,
            expiresAt: Fixture.minutes(expires)), with: key)
    }

    @Test func describingChangesNothingAndFollowingUnsubscribesOnce() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            _ = try await service.updateSettings(.with { $0.tenantID = "salon"; $0.senderName = "Salon <Lumière>" })
            let token = try await Self.unsubscribeLink(service)
            let described = try await service.describeLink(.with { $0.token = token })
            #expect(described.state == "open" && described.action == "unsubscribe")
            #expect(described.businessName == "Salon <Lumière>" && described.recipient == "ada@example.com")
            _ = try await service.describeLink(.with { $0.token = token })
            #expect(try await store.suppressions(tenantID: "salon", channel: nil, limit: 10).isEmpty)

            let followed = try await service.followLink(.with { $0.token = token })
            #expect(followed.state == "open")
            let entries = try await store.suppressions(tenantID: "salon", channel: nil, limit: 10)
            #expect(entries.count == 1)
            #expect(entries.first?.recipient == "ada@example.com" && entries.first?.channel == "email")
            #expect(entries.first?.scope == .followUps && entries.first?.source == .unsubscribe, "\(entries)")

            #expect(try await service.followLink(.with { $0.token = token }).state == "done")
            #expect(try await service.describeLink(.with { $0.token = token }).state == "done")
            #expect(try await store.suppressions(tenantID: "salon", channel: nil, limit: 10).count == 1)
        }
    }

    @Test func forgedExpiredAndRetiredLinksOpenNothing() async throws {
        try await AdminServiceTests.withService { service, clock, _, store in
            let token = try await Self.unsubscribeLink(service)
            for forged in ["", "nonsense", token + "A", "lk_x." + token.split(separator: ".").dropFirst().joined(separator: ".")] {
                let answer = try await service.followLink(.with { $0.token = forged })
                #expect(answer.state == "invalid" && answer.recipient.isEmpty, "\(forged)")
            }
            let shortLived = try await Self.unsubscribeLink(service, expires: 1)
            clock.advance(by: 120)
            #expect(try await service.followLink(.with { $0.token = shortLived }).state == "expired")

            // Rotation with a grace period: the old link still opens; without one it does not.
            let rotated = try await service.rotateLinkKeys(.with { $0.graceSeconds = 600 })
            #expect(rotated.keys.count == 2 && rotated.keys[0].retiresAt.isEmpty && !rotated.keys[1].retiresAt.isEmpty)
            #expect(try await service.describeLink(.with { $0.token = token }).state == "open")
            clock.advance(by: 601)
            #expect(try await service.followLink(.with { $0.token = token }).state == "expired", "its key retired")
            _ = try await service.rotateLinkKeys(.with { $0.graceSeconds = 0 })
            #expect(try await service.followLink(.with { $0.token = token }).state == "invalid", "its key was deleted")
            #expect(try await store.suppressions(tenantID: "salon", channel: nil, limit: 10).isEmpty)
            #expect(try await service.listLinkKeys(.init()).keys.count == 1)

            await #expect(throws: AdminError.self) {
                _ = try await service.rotateLinkKeys(.with { $0.graceSeconds = 401 * 86_400 })
            }
            // A fresh link under the new key works.
            let fresh = try await Self.unsubscribeLink(service, recipient: "bo@example.com", expires: 600)
            #expect(try await service.describeLink(.with { $0.token = fresh }).state == "open")
        }
    }
}

extension AdminLinkTests {
    static func bookingLink(
        _ service: AdminService, _ action: LinkClaim.Action, booking: String = "b1", tenant: String = "salon", version: Int = 1
    ) async throws -> String {
        let key = try await service.linkKeyring.signingKey()
        return LinkToken.sign(LinkClaim(
            action: action, tenantID: tenant, bookingID: booking, channel: "email", recipient: "ada@example.com",
            expiresAt: Fixture.minutes(600), scheduleVersion: version), with: key)
    }

    /// Confirm and cancel go through the normal booking path (one event each); asking
    /// changes nothing; a second press says it is done; a moved appointment's old link
    /// says so; a cancelled booking cannot be confirmed.
    @Test func confirmAndCancelLinksChangeTheBookingOnce() async throws {
        try await AdminServiceTests.withService { service, _, published, store in
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.id = "b1"
                $0.customerName = "Ada"
                $0.customerEmail = "ada@example.com"
                $0.startAt = AdminServiceTests.at(minutes: 300)
                $0.status = .pending
            })
            let confirm = try await Self.bookingLink(service, .confirm)
            let shown = try await service.describeLink(.with { $0.token = confirm })
            #expect(shown.state == "open" && shown.action == "confirm" && shown.bookingStatus == "pending", "\(shown)")
            #expect(shown.when.contains(" at ") && shown.businessName == "Salon", "\(shown)")
            #expect(try await store.booking(id: "b1")?.status == .pending)

            #expect(try await service.followLink(.with { $0.token = confirm }).state == "open")
            #expect(try await store.booking(id: "b1")?.status == .confirmed)
            #expect(try await service.followLink(.with { $0.token = confirm }).state == "done")
            #expect(published.types.filter { $0 == "booking.confirmed" }.count == 1)

            // Moved: the old cancel link (version 1) says the time changed and does nothing.
            _ = try await service.rescheduleBooking(.with {
                $0.id = "b1"
                $0.startAt = AdminServiceTests.at(minutes: 400)
            })
            let old = try await Self.bookingLink(service, .cancel)
            #expect(try await service.followLink(.with { $0.token = old }).state == "changed")
            #expect(try await store.booking(id: "b1")?.status == .confirmed)
            let current = try await Self.bookingLink(service, .cancel, version: 2)
            #expect(try await service.followLink(.with { $0.token = current }).state == "open")
            #expect(try await store.booking(id: "b1")?.status == .cancelled)
            #expect(published.types.filter { $0 == "booking.cancelled" }.count == 1)
            #expect(try await service.followLink(.with { $0.token = current }).state == "done")
            let late = try await Self.bookingLink(service, .confirm, version: 2)
            #expect(try await service.followLink(.with { $0.token = late }).state == "closed")

            // Another tenant's name on this booking's id opens nothing.
            let foreign = try await Self.bookingLink(service, .cancel, tenant: "other", version: 2)
            #expect(try await service.describeLink(.with { $0.token = foreign }).state == "invalid")
            // A link signed for a booking that is not there (another booking's, removed) acts on none.
            let nowhere = try await Self.bookingLink(service, .cancel, booking: "b404", version: 1)
            #expect(try await service.followLink(.with { $0.token = nowhere }).state == "invalid")
            #expect(published.types.filter { $0 == "booking.cancelled" }.count == 1)
        }
    }
}
