import Foundation
import HeraldProto

extension AdminService {
    /// A recipient on a custom channel is opaque to the core; this bounds it (a long URL fits).
    static let teamRecipientLimit = 2048

    public func addTeamDestination(
        _ request: Herald_V1_AddTeamDestinationRequest
    ) async throws(AdminError) -> Herald_V1_TeamDestination {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let channel = Self.teamChannel(request.channel, &validator)
        let recipient = channel == "email"
            ? validator.email("recipient", request.recipient)
            : validator.text("recipient", request.recipient, required: true, maxLength: Self.teamRecipientLimit)
        let eventTypes = validator.bookingEventTypes("event_types", request.eventTypes)
        try validator.finish()
        guard let channel, let recipient, let eventTypes else { throw .invalidArgument(validator.violations) }

        let existing = try await storing { try await store.teamDestinations(tenantID: tenant.id) }
        if let twin = existing.first(where: { $0.channel == channel && Self.sameRecipient($0.recipient, recipient, on: channel) }) {
            throw .alreadyExists(
                field: "recipient", "tenant \"\(tenant.id)\" already sends to it on \(channel) (\(twin.id))")
        }
        let destination = TeamDestination(
            id: Identifier.make(prefix: "team"), tenantID: tenant.id, channel: channel, recipient: recipient,
            eventTypes: eventTypes.isEmpty ? TeamDestination.defaultEventTypes : eventTypes, createdAt: clock.now())
        try await storing { try await store.createTeamDestination(destination) }
        logger.info(
            "team destination added",
            metadata: ["tenant": "\(tenant.id)", "destination": "\(destination.id)", "channel": "\(channel)"])
        return destination.proto
    }

    public func listTeamDestinations(
        _ request: Herald_V1_ListTeamDestinationsRequest
    ) async throws(AdminError) -> Herald_V1_ListTeamDestinationsResponse {
        let tenant = try await requireTenant(request.tenantID)
        let destinations = try await storing { try await store.teamDestinations(tenantID: tenant.id) }
        return .with { $0.destinations = destinations.map(\.proto) }
    }

    public func removeTeamDestination(
        _ request: Herald_V1_RemoveTeamDestinationRequest
    ) async throws(AdminError) -> Herald_V1_RemoveTeamDestinationResponse {
        let destination = try await requireTeamDestination(request.id)
        try await storing { try await store.deleteTeamDestination(id: destination.id) }
        logger.info("team destination removed", metadata: ["destination": "\(destination.id)"])
        return .init()
    }

    public func setTeamDestinationEnabled(
        _ request: Herald_V1_SetTeamDestinationEnabledRequest
    ) async throws(AdminError) -> Herald_V1_TeamDestination {
        var destination = try await requireTeamDestination(request.id)
        destination.enabled = request.enabled
        destination.disabledReason = request.enabled ? nil : "disabled by an admin"
        let reason = destination.disabledReason
        try await storing {
            try await store.setTeamDestinationEnabled(id: request.id, enabled: request.enabled, reason: reason)
        }
        logger.info("team destination \(request.enabled ? "enabled" : "disabled")", metadata: ["destination": "\(request.id)"])
        return destination.proto
    }

    func requireTeamDestination(_ id: String) async throws(AdminError) -> TeamDestination {
        var validator = FieldValidator()
        _ = validator.identifier("id", id)
        try validator.finish()
        guard let destination = try await storing({ try await store.teamDestination(id: id) }) else {
            throw .notFound(field: "id", "no team destination \"\(id)\"")
        }
        return destination
    }

    /// The channel of a team destination: `email` or a custom channel.
    ///
    /// `webhook` has subscriptions of its own (signed JSON, not a rendered
    /// message). `sms` and `whatsapp` are refused to keep team notes simple: they
    /// bill per message, SMS needs the tenant's provider choice and WhatsApp a
    /// template approved for business-initiated messages; a plugin on a channel
    /// of its own can still text a team.
    static func teamChannel(_ channel: String, _ validator: inout FieldValidator) -> String? {
        if let problem = ChannelName.problem(with: channel) {
            validator.fail("channel", problem)
            return nil
        }
        switch channel {
        case "webhook":
            validator.fail("channel", "webhooks have subscriptions of their own (herald webhook add)")
            return nil
        case "sms", "whatsapp":
            validator.fail("channel", "\(channel) is for customers; a team destination is on email or a custom channel such as chat")
            return nil
        default:
            return channel
        }
    }

    /// E-mail addresses are compared without case; other recipients exactly.
    static func sameRecipient(_ a: String, _ b: String, on channel: String) -> Bool {
        channel == "email" ? a.lowercased() == b.lowercased() : a == b
    }
}
