import Foundation

/// Where an SMS or WhatsApp message goes when its provider says it will not
/// arrive: the tenant's fallback rule (`fallback_channel`, `fallback_after_minutes`).
public enum FallbackChannel: String, Sendable, Equatable, Codable, CaseIterable {
    /// By e-mail, to the booking's customer address.
    case email
    /// By SMS: through the other SMS provider for an SMS, through the tenant's
    /// provider for a WhatsApp message.
    case sms
}

/// A fallback rule: where the message goes, and how long to wait for a delivery
/// report first (0: only on a report of failure).
public struct FallbackRule: Sendable, Equatable {
    public var channel: FallbackChannel
    public var afterMinutes: Int

    public init(channel: FallbackChannel, afterMinutes: Int) {
        self.channel = channel
        self.afterMinutes = afterMinutes
    }

    /// The rule for a booking of `eventType`: the event type's own, else the tenant's.
    public static func effective(settings: NotificationSettings, eventType: EventType?) -> FallbackRule? {
        switch eventType?.fallback {
        case .off: nil
        case .rule(let rule): rule
        case nil: settings.fallbackChannel.map { FallbackRule(channel: $0, afterMinutes: settings.fallbackAfterMinutes) }
        }
    }
}

/// An event type's fallback instead of the tenant's: none at all, or its own rule.
public enum FallbackOverride: Sendable, Equatable, Codable {
    case off
    case rule(FallbackRule)

    /// As stored: the channel column ("email", "sms" or "off"; NULL for no override)
    /// and the wait.
    public init?(channel: String?, afterMinutes: Int) {
        switch channel {
        case nil: return nil
        case "off": self = .off
        case let name?:
            guard let channel = FallbackChannel(rawValue: name) else { return nil }
            self = .rule(FallbackRule(channel: channel, afterMinutes: afterMinutes))
        }
    }

    /// The channel column's value: "off", "email" or "sms".
    public var channelName: String {
        switch self {
        case .off: "off"
        case .rule(let rule): rule.channel.rawValue
        }
    }

    public var afterMinutes: Int {
        if case .rule(let rule) = self { return rule.afterMinutes }
        return 0
    }
}

extension FallbackRule: Codable {}

/// Fallback before the appointment: a customer message sent by SMS or WhatsApp
/// that its provider reports undelivered, that fails for good, or (with a wait
/// set) is not reported delivered within that many minutes, goes out once more
/// on the fallback channel, as a notification of its own, only while the
/// appointment has not started.
///
/// Pure decisions: the stores gather what is asked here in the transaction that
/// applies the result or the receipt, and carry out the ``Action``.
///
/// A fallback job is marked by its event id, `fb_` and the ReminderLog id of the
/// message it stands in for: at most one per message (the store looks it up
/// before making one), and never a fallback of a fallback.
public enum Fallback {
    /// What happened to the original message.
    public enum Trigger: Sendable, Equatable {
        /// Its provider accepted it: start the wait, if the rule has one.
        case sent
        /// It failed for good at the provider (the worker's FAILED).
        case failed(error: String)
        /// Its provider reported it undelivered.
        case undelivered(code: String?, error: String?)
        /// Its provider reported it delivered (or read).
        case delivered
    }

    /// What the store does.
    public enum Action: Sendable, Equatable {
        case none
        /// Store this new pending job.
        case insert(NotificationJob)
        /// Make the pending fallback job due now, with this reason.
        case sendNow(jobID: String, reason: String)
        /// The fallback is not needed: end the pending job `cancelled` (no log row:
        /// nothing was due), with this reason.
        case cancel(jobID: String, reason: String)
    }

    /// What the store found, in the same transaction.
    public struct Situation: Sendable {
        /// The message's `sent` or `failed` ReminderLog row.
        public var original: ReminderLogEntry
        public var booking: Booking
        public var settings: NotificationSettings
        /// The booking's event type, whose own rule (or none) comes before the tenant's.
        public var eventType: EventType?
        /// The fallback job already made for this message (any status), if any.
        public var existing: NotificationJob?
        /// Whether the same notification already goes to the customer on the fallback
        /// channel (another job on it with the same kind, offset and schedule version,
        /// not itself a fallback): the fallback would say it twice.
        public var alreadyOnFallbackChannel: Bool

        public init(
            original: ReminderLogEntry, booking: Booking, settings: NotificationSettings, eventType: EventType? = nil,
            existing: NotificationJob?, alreadyOnFallbackChannel: Bool
        ) {
            self.original = original
            self.booking = booking
            self.settings = settings
            self.eventType = eventType
            self.existing = existing
            self.alreadyOnFallbackChannel = alreadyOnFallbackChannel
        }
    }

    /// The customer messages a fallback may stand in for: those before the appointment
    /// (a follow-up goes out after it has started, when no fallback is made).
    static let kinds: Set<NotificationKind> = [.confirmation, .reminder, .reschedule, .cancellation]

    /// The event id of the fallback of a ReminderLog row.
    public static func eventID(forLogID id: Int64) -> String { "fb_\(id)" }

    /// Whether a row is a message a fallback may stand in for at all (the store asks
    /// before reading anything more): SMS or WhatsApp, to the customer, not itself a fallback.
    public static func mayStandIn(for entry: ReminderLogEntry) -> Bool {
        (entry.channel == "sms" || entry.channel == "whatsapp") && kinds.contains(entry.kind)
            && !entry.eventID.hasPrefix("fb_") && entry.id != nil
    }

    public static func decide(_ trigger: Trigger, _ situation: Situation, now: Date) -> Action {
        let original = situation.original
        guard mayStandIn(for: original), let logID = original.id,
              let rule = FallbackRule.effective(settings: situation.settings, eventType: situation.eventType)
        else { return .none }
        let channel = rule.channel
        let what = "the \(original.channel == "sms" ? "SMS" : "WhatsApp message") (\(original.provider))"
        switch trigger {
        case .delivered:
            guard let existing = situation.existing, existing.status == .pending else { return .none }
            return .cancel(jobID: existing.id, reason: "not needed: \(what) was delivered")
        case .sent, .failed, .undelivered:
            break
        }
        // Only while the appointment has not started; the job's not-after says the same at send time.
        guard now < situation.booking.startAt else { return .none }
        let reason: String
        switch trigger {
        case .sent:
            guard situation.existing == nil, rule.afterMinutes > 0 else { return .none }
            let due = now.addingTimeInterval(TimeInterval(rule.afterMinutes * 60))
            guard due < situation.booking.startAt else { return .none }
            return job(channel, situation, logID: logID, due: due, now: now,
                       reason: "fallback if \(what) is not reported delivered by \(Timestamp.format(due))")
        case .failed(let error):
            reason = "fallback: \(what) failed: \(error)"
        case .undelivered(let code, let error):
            let detail = [code, error].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            reason = "fallback: \(what) was reported undelivered" + (detail.isEmpty ? "" : " (\(detail))")
        case .delivered:
            return .none
        }
        if let existing = situation.existing {
            return existing.status == .pending ? .sendNow(jobID: existing.id, reason: reason) : .none
        }
        return job(channel, situation, logID: logID, due: now, now: now, reason: reason)
    }

    /// The fallback job, or `.none` when the customer cannot be reached that way.
    private static func job(
        _ channel: FallbackChannel, _ situation: Situation, logID: Int64, due: Date, now: Date, reason: String
    ) -> Action {
        let original = situation.original, booking = situation.booking
        guard !situation.alreadyOnFallbackChannel else { return .none }
        let recipient: String
        var provider: String?
        switch channel {
        case .email:
            guard let email = booking.customerEmail, !email.isEmpty else { return .none }
            recipient = email
        case .sms:
            guard let phone = booking.customerPhone, !phone.isEmpty else { return .none }
            recipient = phone
            if original.channel == "sms" {
                // The other provider: the one that did not take the message.
                guard let other = SMSProvider.allCases.first(where: { $0.rawValue != original.provider }) else { return .none }
                provider = other.rawValue
            } else {
                provider = situation.settings.smsProvider.rawValue
            }
        }
        return .insert(NotificationJob(
            id: Identifier.make(prefix: "job"), tenantID: original.tenantID, bookingID: original.bookingID,
            kind: original.kind, channel: channel.rawValue, provider: provider, recipient: recipient,
            reminderOffsetMinutes: original.reminderOffsetMinutes, scheduleVersion: original.scheduleVersion,
            eventID: eventID(forLogID: logID), dueAt: due, notAfter: booking.startAt, status: .pending, attempt: 0,
            lastError: reason, createdAt: now, updatedAt: now, account: situation.settings.account(for: channel.rawValue, eventType: situation.eventType)))
    }
}

extension Fallback.Trigger {
    /// What a result's log row means for a fallback; nil for other outcomes.
    init?(_ entry: ReminderLogEntry) {
        switch entry.outcome {
        case .sent: self = .sent
        case .failed: self = .failed(error: entry.error ?? "failed")
        default: return nil
        }
    }

    /// What a receipt's new state means for a fallback; nil for `sent`.
    init?(_ state: DeliveryState) {
        switch state.status {
        case .sent: return nil
        case .undelivered: self = .undelivered(code: state.errorCode, error: state.error)
        case .delivered, .read: self = .delivered
        }
    }
}
