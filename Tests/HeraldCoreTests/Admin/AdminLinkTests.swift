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
