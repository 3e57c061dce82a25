import Foundation
import HeraldProto

// The model as it crosses the bus. Times become RFC 3339 strings in UTC.

extension BookingStatus {
    public var proto: Herald_V1_BookingStatus {
        switch self {
        case .pending: .pending
        case .confirmed: .confirmed
        case .cancelled: .cancelled
        case .completed: .completed
        case .noShow: .noShow
        }
    }

    public init?(proto: Herald_V1_BookingStatus) {
        switch proto {
        case .pending: self = .pending
        case .confirmed: self = .confirmed
        case .cancelled: self = .cancelled
        case .completed: self = .completed
        case .noShow: self = .noShow
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

extension SMSProvider {
    public var proto: Herald_V1_SmsProvider {
        switch self {
        case .twilio: .twilio
        case .vonage: .vonage
        }
    }

    public init?(proto: Herald_V1_SmsProvider) {
        switch proto {
        case .twilio: self = .twilio
        case .vonage: self = .vonage
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

extension Tenant {
    public var proto: Herald_V1_Tenant {
        .with {
            $0.id = id
            $0.name = name
            $0.createdAt = Timestamp.format(createdAt)
        }
    }
}

extension NotificationSettings {
    public var proto: Herald_V1_NotificationSettings {
        .with {
            $0.tenantID = tenantID
            $0.emailEnabled = emailEnabled
            $0.smsEnabled = smsEnabled
            $0.whatsappEnabled = whatsappEnabled
            $0.reminderOffsetsMinutes = reminderOffsets.map { UInt32($0) }
            $0.smsProvider = smsProvider.proto
            $0.smsFailover = smsFailover
            $0.timezone = timeZone
            if let quietHours {
                $0.quietHours = .with {
                    $0.startMinute = UInt32(quietHours.startMinute)
                    $0.endMinute = UInt32(quietHours.endMinute)
                }
            }
            $0.followUpEnabled = followUpEnabled
            $0.followUpMinutes = UInt32(followUpMinutes)
            $0.senderName = senderName
            $0.replyToEmail = replyToEmail ?? ""
            $0.locale = locale
            $0.fallbackChannel = fallbackChannel?.rawValue ?? ""
            $0.fallbackAfterMinutes = UInt32(fallbackAfterMinutes)
            $0.replyConfirmKeywords = replyConfirmKeywords
            $0.replyCancelKeywords = replyCancelKeywords
            $0.customerLinks = customerLinks
            $0.askConfirmation = askConfirmation
            $0.confirmDeadlineMinutes = UInt32(confirmDeadlineMinutes)
            $0.cancelUnconfirmed = cancelUnconfirmed
            $0.calendarInvites = calendarInvites
            $0.emailAccount = emailAccount ?? ""
            $0.smsAccount = smsAccount ?? ""
            $0.whatsappAccount = whatsappAccount ?? ""
            $0.updatedAt = Timestamp.format(updatedAt)
        }
    }
}

extension EventType {
    public var proto: Herald_V1_EventType {
        .with {
            $0.tenantID = tenantID
            $0.id = id
            $0.name = name
            $0.durationMinutes = UInt32(durationMinutes)
            if let reminderOffsets {
                $0.reminderOffsets = .with { $0.minutes = reminderOffsets.map { UInt32($0) } }
            }
            $0.hostEmails = hostEmails
            $0.sendConfirmation = sendConfirmation
            $0.sendRescheduleNotice = sendRescheduleNotice
            $0.sendCancellationNotice = sendCancellationNotice
            if let fallback {
                $0.fallbackChannel = fallback.channelName
                $0.fallbackAfterMinutes = UInt32(fallback.afterMinutes)
            }
            if let askConfirmation { $0.askConfirmation = askConfirmation }
            if let calendarInvites { $0.calendarInvites = calendarInvites }
            $0.location = location ?? ""
            $0.description_p = details ?? ""
            $0.emailAccount = emailAccount ?? ""
            $0.smsAccount = smsAccount ?? ""
            $0.whatsappAccount = whatsappAccount ?? ""
            $0.createdAt = Timestamp.format(createdAt)
            $0.updatedAt = Timestamp.format(updatedAt)
        }
    }
}

extension Booking {
    public var proto: Herald_V1_Booking {
        .with {
            $0.id = id
            $0.tenantID = tenantID
            $0.eventTypeID = eventTypeID ?? ""
            $0.customerName = customerName
            $0.customerEmail = customerEmail ?? ""
            $0.customerPhone = customerPhone ?? ""
            $0.startAt = Timestamp.format(startAt)
            $0.endAt = Timestamp.format(endAt)
            $0.status = status.proto
            $0.scheduleVersion = UInt32(scheduleVersion)
            $0.createdAt = Timestamp.format(createdAt)
            $0.updatedAt = Timestamp.format(updatedAt)
            $0.askedToConfirm = askedToConfirm
            $0.confirmBy = confirmBy.map { Timestamp.format($0) } ?? ""
        }
    }
}

extension WebhookSubscription {
    /// The secret is shown once, when the subscription is created; lists leave it out.
    public func proto(revealingSecret: Bool) -> Herald_V1_WebhookSubscription {
        .with {
            $0.id = id
            $0.tenantID = tenantID
            $0.url = url
            $0.eventTypes = eventTypes
            $0.secret = revealingSecret ? secret : ""
            $0.enabled = enabled
            $0.createdAt = Timestamp.format(createdAt)
            $0.disabledReason = disabledReason ?? ""
        }
    }
}

extension TeamDestination {
    public var proto: Herald_V1_TeamDestination {
        .with {
            $0.id = id
            $0.tenantID = tenantID
            $0.channel = channel
            $0.recipient = RecipientDisplay.shown(recipient, channel: channel)
            $0.eventTypes = eventTypes
            $0.enabled = enabled
            $0.disabledReason = disabledReason ?? ""
            $0.createdAt = Timestamp.format(createdAt)
        }
    }
}

extension BookingEventRecord {
    public var proto: Herald_V1_BookingEvent {
        .with {
            $0.id = id
            $0.type = type.rawValue
            $0.tenantID = tenantID
            $0.bookingID = bookingID
            $0.occurredAt = Timestamp.format(occurredAt)
            $0.booking = booking.proto
            $0.previousStartAt = Timestamp.format(previousStartAt)
            $0.previousEndAt = Timestamp.format(previousEndAt)
            $0.previousStatus = previousStatus?.proto ?? .unspecified
            $0.sequence = UInt64(sequence ?? 0)
        }
    }
}

extension NotificationKind {
    public var proto: Herald_V1_NotificationKind {
        switch self {
        case .confirmation: .confirmation
        case .reminder: .reminder
        case .reschedule: .reschedule
        case .cancellation: .cancellation
        case .hostNotification: .hostNotification
        case .followUp: .followUp
        case .webhook: .webhook
        }
    }
}
