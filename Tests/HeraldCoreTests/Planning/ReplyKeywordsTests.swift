import Foundation
import Testing

@testable import HeraldCore

@Suite("replies: confirm and cancel keywords")
struct ReplyKeywordsTests {
    static func booking(_ id: String, tenant: String = "acme", inMinutes minutes: Double, status: BookingStatus = .pending) -> Booking {
        Fixture.booking(id: id, tenantID: tenant, startingIn: minutes, status: status)
    }

    static func settings(_ tenant: String = "acme", confirm: [String] = ["C", "OK"], cancel: [String] = ["X"]) -> NotificationSettings {
        NotificationSettings(tenantID: tenant, replyConfirmKeywords: confirm, replyCancelKeywords: cancel, updatedAt: Fixture.now)
    }

    @Test func aKeywordActsOnTheSendersNextBookingWithThatTenant() {
        let later = Self.booking("b-later", inMinutes: 600), sooner = Self.booking("b-sooner", inMinutes: 60)
        let settings = ["acme": Self.settings()]
        #expect(ReplyKeywords.decide(text: " c. ", upcoming: [later, sooner], settings: settings) == .confirm(sooner))
        #expect(ReplyKeywords.decide(text: "ok", upcoming: [later, sooner], settings: settings) == .confirm(sooner))
        #expect(ReplyKeywords.decide(text: "X", upcoming: [later, sooner], settings: settings) == .cancel(sooner))
    }

    @Test func nothingChangesWithoutAKeywordABookingOrAClearTenant() {
        let booking = Self.booking("b-1", inMinutes: 60)
        guard case .none = ReplyKeywords.decide(text: "maybe", upcoming: [booking], settings: ["acme": Self.settings()]) else {
            Issue.record("a word no tenant uses changed a booking")
            return
        }
        guard case .none = ReplyKeywords.decide(text: "C please", upcoming: [booking], settings: ["acme": Self.settings()]) else {
            Issue.record("more than one word changed a booking")
            return
        }
        guard case .none = ReplyKeywords.decide(text: "C", upcoming: [], settings: [:]) else {
            Issue.record("no booking, yet an action")
            return
        }
        guard case .none = ReplyKeywords.decide(text: "C", upcoming: [booking], settings: ["acme": Self.settings(confirm: [], cancel: [])]) else {
            Issue.record("keywords are off by default")
            return
        }
        // Two tenants both take "C": whose booking is meant cannot be told.
        let other = Self.booking("b-2", tenant: "beta", inMinutes: 30)
        let both = ["acme": Self.settings(), "beta": Self.settings("beta")]
        guard case .none(let reason) = ReplyKeywords.decide(text: "C", upcoming: [booking, other], settings: both) else {
            Issue.record("an ambiguous reply changed a booking")
            return
        }
        #expect(reason.hasPrefix("ambiguous"))
        // Only one of them takes it: that one.
        let one = ["acme": Self.settings(), "beta": Self.settings("beta", confirm: ["OK"], cancel: [])]
        #expect(ReplyKeywords.decide(text: "C", upcoming: [booking, other], settings: one) == .confirm(booking))
    }
}
