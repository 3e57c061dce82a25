import Foundation
import HeraldProto

/// Signed links in customers' messages, as the gateway's public pages use them:
/// DescribeLink for the page a GET shows (it changes nothing: mail scanners follow
/// links), FollowLink for the button's POST and for RFC 8058's one-click POST.
extension AdminService {
    public func describeLink(_ request: Herald_V1_LinkRequest) async throws(AdminError) -> Herald_V1_LinkAnswer {
        try await answer(request.token, following: false)
    }

    public func followLink(_ request: Herald_V1_LinkRequest) async throws(AdminError) -> Herald_V1_LinkAnswer {
        try await answer(request.token, following: true)
    }

    public func listLinkKeys(_ request: Herald_V1_ListLinkKeysRequest) async throws(AdminError) -> Herald_V1_ListLinkKeysResponse {
        let keys = try await storing { try await linkKeyring.all() }
        return .with { $0.keys = keys.map(\.proto) }
    }

    public func rotateLinkKeys(_ request: Herald_V1_RotateLinkKeysRequest) async throws(AdminError) -> Herald_V1_ListLinkKeysResponse {
        let grace = request.hasGraceSeconds ? Int(request.graceSeconds) : Self.defaultLinkKeyGrace
        guard grace <= Self.maxLinkKeyGrace else {
            throw .invalidArgument(field: "grace_seconds", "must be at most \(Self.maxLinkKeyGrace) (400 days)")
        }
        let keys = try await storing { try await linkKeyring.rotate(grace: TimeInterval(grace)) }
        logger.info("link keys rotated", metadata: ["current": "\(keys.first?.id ?? "")", "grace_seconds": "\(grace)"])
        return .with { $0.keys = keys.map(\.proto) }
    }

    static let defaultLinkKeyGrace = 30 * 24 * 3600
    static let maxLinkKeyGrace = 400 * 24 * 3600

    private func answer(_ token: String, following: Bool) async throws(AdminError) -> Herald_V1_LinkAnswer {
        switch try await storing({ try await linkKeyring.verify(token) }) {
        case .failure(.invalid):
            return .with { $0.state = "invalid" }
        case .failure(.expired), .failure(.retired):
            return .with { $0.state = "expired" }
        case .success(let claim):
            switch claim.action {
            case .unsubscribe: return try await unsubscribe(claim, following: following)
            case .confirm, .cancel: return try await changeBooking(claim, following: following)
            }
        }
    }

    /// Follow-ups stop for the claim's address: an entry of scope follow_up, unless the
    /// address is on the list for them already (then the link says so and adds nothing).
    private func unsubscribe(_ claim: LinkClaim, following: Bool) async throws(AdminError) -> Herald_V1_LinkAnswer {
        var answer = Herald_V1_LinkAnswer.with { $0.action = claim.action.rawValue }
        // A tenant deleted since the message went out: nothing left to act on.
        guard let tenant = try await storing({ try await store.tenant(id: claim.tenantID) }) else {
            answer.state = "invalid"
            return answer
        }
        let settings = try await storing { try await store.settings(tenantID: tenant.id) }
        let recipient = SuppressionKey.listed(claim.recipient, on: claim.channel)
        answer.businessName = settings.map(\.senderName).flatMap { $0.isEmpty ? nil : $0 } ?? tenant.name
        answer.recipient = recipient
        let listed = try await storing { try await store.suppressions(tenantID: tenant.id, recipients: [recipient]) }
        if listed.contains(where: { $0.channel == claim.channel && $0.scope.covers(.followUp) }) {
            answer.state = "done"
            return answer
        }
        answer.state = "open"
        guard following else { return answer }
        _ = try await storing {
            try await store.addSuppression(Suppression(
                tenantID: tenant.id, channel: claim.channel, recipient: recipient, scope: .followUps,
                reason: "unsubscribed from follow-ups (link in booking \(claim.bookingID))", source: .unsubscribe,
                createdAt: clock.now()))
        }
        logger.info("recipient unsubscribed from follow-ups", metadata: ["tenant": "\(tenant.id)", "channel": "\(claim.channel)"])
        return answer
    }
}

extension AdminService {
    /// Confirms or cancels the claim's booking through the normal booking path (its
    /// event, notices and webhooks), only as the link was made: the same booking, at
    /// the same time (schedule version), before its start.
    private func changeBooking(_ claim: LinkClaim, following: Bool) async throws(AdminError) -> Herald_V1_LinkAnswer {
        var answer = Herald_V1_LinkAnswer.with { $0.action = claim.action.rawValue }
        guard let booking = try await storing({ try await store.booking(id: claim.bookingID) }),
              booking.tenantID == claim.tenantID,
              let tenant = try await storing({ try await store.tenant(id: claim.tenantID) })
        else {
            answer.state = "invalid"
            return answer
        }
        let settings = try await storing { try await store.settings(tenantID: tenant.id) }
            ?? NotificationSettings.defaults(tenantID: tenant.id, now: clock.now())
        var eventType: EventType?
        if let id = booking.eventTypeID {
            eventType = try await storing { try await store.eventType(tenantID: tenant.id, id: id) }
        }
        let values = TemplateVariables.values(booking: booking, settings: settings, eventType: eventType, reminderOffsetMinutes: 0)
        answer.businessName = settings.senderName.isEmpty ? tenant.name : settings.senderName
        answer.recipient = claim.recipient
        answer.when = "\(values["date"] ?? "") at \(values["time"] ?? "") (\(values["time_zone"] ?? ""))"
        answer.service = values["service"] ?? ""
        answer.bookingStatus = booking.status.rawValue
        answer.state = LinkDecision.state(of: claim, booking: booking, now: clock.now())
        guard following, answer.state == "open" else { return answer }
        switch claim.action {
        case .confirm:
            _ = try await setBookingStatus(.with {
                $0.id = booking.id
                $0.status = .confirmed
            })
            answer.bookingStatus = BookingStatus.confirmed.rawValue
        case .cancel:
            _ = try await cancelBooking(.with {
                $0.id = booking.id
                $0.reason = "the customer cancelled with the link in a message by \(claim.channel)"
            })
            answer.bookingStatus = BookingStatus.cancelled.rawValue
        case .unsubscribe:
            break
        }
        logger.notice("a customer used a link", metadata: [
            "tenant": "\(tenant.id)", "booking": "\(booking.id)", "action": "\(claim.action.rawValue)",
        ])
        return answer
    }
}

/// What a confirm or cancel link can still do with its booking: the pure rule.
enum LinkDecision {
    static func state(of claim: LinkClaim, booking: Booking, now: Date) -> String {
        switch (claim.action, booking.status) {
        case (.confirm, .confirmed), (.cancel, .cancelled): return "done"
        case (_, .cancelled), (_, .completed), (_, .noShow): return "closed"
        default: break
        }
        if now >= booking.startAt { return "closed" }
        if let version = claim.scheduleVersion, version != booking.scheduleVersion { return "changed" }
        return "open"
    }
}

extension LinkKey {
    /// Without the secret.
    public var proto: Herald_V1_LinkKey {
        .with {
            $0.id = id
            $0.createdAt = Timestamp.format(createdAt)
            $0.retiresAt = retiresAt.map(Timestamp.format) ?? ""
        }
    }
}
