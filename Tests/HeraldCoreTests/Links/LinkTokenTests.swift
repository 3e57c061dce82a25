import Foundation
import Testing

@testable import HeraldCore

/// Signed links: a token opens only what it was signed for, under a key that still
/// verifies, before its expiry.
@Suite("link tokens")
struct LinkTokenTests {
    static let key = LinkKey(id: "lk_one", secret: Data(repeating: 7, count: 32), createdAt: Fixture.now)
    static let other = LinkKey(id: "lk_two", secret: Data(repeating: 9, count: 32), createdAt: Fixture.now)
    static let claim = LinkClaim(
        action: .unsubscribe, tenantID: "salon", bookingID: "b-1", channel: "email", recipient: "ada@example.com",
        expiresAt: Fixture.minutes(60))

    @Test func aSignedTokenOpensWithItsClaimAndIsURLSafe() throws {
        let token = LinkToken.sign(Self.claim, with: Self.key)
        #expect(token.hasPrefix("lk_one."))
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "\(token)")
        #expect(LinkToken.verify(token, keys: [Self.other, Self.key], at: Fixture.now) == .success(Self.claim))
    }

    @Test func anAlteredOrForgedTokenIsInvalid() throws {
        let token = LinkToken.sign(Self.claim, with: Self.key)
        let parts = token.split(separator: ".").map(String.init)
        var changed = Self.claim
        changed.recipient = "eve@example.com"
        let otherClaim = LinkToken.sign(changed, with: Self.key).split(separator: ".").map(String.init)
        let relabelled = LinkToken.sign(Self.claim, with: Self.other).split(separator: ".").map(String.init)
        let forged = [
            "", "lk_one", "lk_one..", token + "x", String(token.dropLast()), token + ".x",
            // another claim's payload with this signature
            [parts[0], otherClaim[1], parts[2]].joined(separator: "."),
            // the same claim signed under another key, relabelled with this key's id
            ["lk_one", relabelled[1], relabelled[2]].joined(separator: "."),
            // an unknown key
            LinkToken.sign(Self.claim, with: LinkKey(id: "lk_gone", secret: Self.key.secret, createdAt: Fixture.now)),
            // characters outside base64url
            [parts[0], parts[1] + "+", parts[2]].joined(separator: "."),
            String(repeating: "a", count: LinkToken.maxLength + 1),
        ]
        for text in forged {
            #expect(LinkToken.verify(text, keys: [Self.key], at: Fixture.now) == .failure(.invalid), "\(text)")
        }
    }

    @Test func aTokenExpiresAndItsKeyRetires() throws {
        let token = LinkToken.sign(Self.claim, with: Self.key)
        #expect(LinkToken.verify(token, keys: [Self.key], at: Fixture.minutes(60)) == .failure(.expired))
        var retiring = Self.key
        retiring.retiresAt = Fixture.minutes(10)
        #expect(LinkToken.verify(token, keys: [retiring], at: Fixture.minutes(9)) == .success(Self.claim))
        #expect(LinkToken.verify(token, keys: [retiring], at: Fixture.minutes(10)) == .failure(.retired))
    }

    @Test func followUpEmailsGetAnUnsubscribeLinkAndNothingElseDoes() async throws {
        try await withTemporaryStore { store, _ in
            let maker = LinkMaker(publicURL: "https://book.example.com/", keyring: LinkKeyring(store: store))
            let key = try await maker.keyring.signingKey()
            var job = NotificationJob(
                id: "job_1", tenantID: "salon", bookingID: "b-1", kind: .followUp, channel: "email",
                recipient: "Ada@Example.com", scheduleVersion: 1, dueAt: Fixture.now, createdAt: Fixture.now, updatedAt: Fixture.now)
            let url = try #require(maker.unsubscribeURL(for: job, key: key, now: Fixture.now))
            #expect(url.hasPrefix("https://book.example.com/links/\(key.id)."), "\(url)")
            let token = String(url.dropFirst("https://book.example.com/links/".count))
            let claim = try LinkToken.verify(token, keys: [key], at: Fixture.now).get()
            #expect(claim.recipient == "Ada@Example.com" && claim.tenantID == "salon" && claim.action == .unsubscribe)
            #expect(claim.expiresAt == Fixture.now.addingTimeInterval(LinkMaker.unsubscribeLifetime))
            for (kind, channel) in [(NotificationKind.reminder, "email"), (.confirmation, "email"), (.followUp, "sms")] {
                job.kind = kind
                job.channel = channel
                #expect(maker.unsubscribeURL(for: job, key: key, now: Fixture.now) == nil, "\(kind) \(channel)")
            }
        }
    }
}

extension LinkTokenTests {
    /// Confirm and cancel links: only with the tenant's customer links on, in the
    /// messages before the appointment, confirm only while pending, each for this
    /// booking's time (its schedule version) until the start.
    @Test func bookingLinksFollowTheBookingsStatusAndTheTenantsSetting() async throws {
        try await withTemporaryStore { store, _ in
            let maker = LinkMaker(publicURL: "https://book.example.com", keyring: LinkKeyring(store: store))
            let key = try await maker.keyring.signingKey()
            var booking = Fixture.booking(id: "b-1", startingIn: 120)
            booking.status = .pending
            booking.scheduleVersion = 3
            var job = NotificationJob(
                id: "job_1", tenantID: booking.tenantID, bookingID: "b-1", kind: .reminder, channel: "sms",
                recipient: "+441234567890", scheduleVersion: 3, dueAt: Fixture.now, createdAt: Fixture.now, updatedAt: Fixture.now)
            var settings = NotificationSettings(tenantID: booking.tenantID, updatedAt: Fixture.now)
            #expect(maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: Fixture.now) == BookingLinks())

            settings.customerLinks = true
            let links = maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: Fixture.now)
            let confirm = try #require(links.confirmURL), cancel = try #require(links.cancelURL)
            func claim(_ url: String) throws -> LinkClaim {
                try LinkToken.verify(String(url.dropFirst("https://book.example.com/links/".count)), keys: [key], at: Fixture.now).get()
            }
            #expect(try claim(confirm) == LinkClaim(
                action: .confirm, tenantID: booking.tenantID, bookingID: "b-1", channel: "sms", recipient: "+441234567890",
                expiresAt: booking.startAt, scheduleVersion: 3))
            #expect(try claim(cancel).action == .cancel)

            booking.status = .confirmed
            let confirmed = maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: Fixture.now)
            #expect(confirmed.confirmURL == nil && confirmed.cancelURL != nil)
            #expect(maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: booking.startAt) == BookingLinks())
            booking.status = .cancelled
            #expect(maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: Fixture.now) == BookingLinks())
            booking.status = .confirmed
            for kind in [NotificationKind.followUp, .cancellation, .hostNotification] {
                job.kind = kind
                #expect(maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: Fixture.now) == BookingLinks(), "\(kind)")
            }
        }
    }

    @Test func aLinkFollowsTheBookingsLife() {
        let booking = Fixture.booking(id: "b-1", startingIn: 120)
        func claim(_ action: LinkClaim.Action, version: Int? = 1) -> LinkClaim {
            LinkClaim(action: action, tenantID: "acme", bookingID: "b-1", channel: "email", recipient: "a@x", expiresAt: booking.startAt,
                      scheduleVersion: version)
        }
        var pending = booking
        pending.status = .pending
        #expect(LinkDecision.state(of: claim(.confirm), booking: pending, now: Fixture.now) == "open")
        #expect(LinkDecision.state(of: claim(.cancel), booking: pending, now: Fixture.now) == "open")
        #expect(LinkDecision.state(of: claim(.confirm, version: 2), booking: pending, now: Fixture.now) == "changed")
        #expect(LinkDecision.state(of: claim(.confirm), booking: pending, now: booking.startAt) == "closed")
        var confirmed = booking
        confirmed.status = .confirmed
        #expect(LinkDecision.state(of: claim(.confirm), booking: confirmed, now: Fixture.now) == "done")
        #expect(LinkDecision.state(of: claim(.cancel), booking: confirmed, now: Fixture.now) == "open")
        var cancelled = booking
        cancelled.status = .cancelled
        #expect(LinkDecision.state(of: claim(.cancel), booking: cancelled, now: Fixture.now) == "done")
        #expect(LinkDecision.state(of: claim(.confirm), booking: cancelled, now: Fixture.now) == "closed")
    }
}
