import Foundation
import HeraldProto

extension AdminService {
    public func listReminderLog(_ request: Herald_V1_ListReminderLogRequest) async throws(AdminError) -> Herald_V1_ListReminderLogResponse {
        var tenantID: String? = nil
        if !request.tenantID.isEmpty { tenantID = try await requireTenant(request.tenantID).id }
        if !request.bookingID.isEmpty { _ = try await requireBooking(request.bookingID, field: "booking_id") }
        var query = ReminderLogQuery(
            tenantID: tenantID, bookingID: request.bookingID.isEmpty ? nil : request.bookingID,
            channel: request.channel.isEmpty ? nil : request.channel, limit: clampedLimit(request.limit))
        var validator = FieldValidator()
        if !request.channel.isEmpty, let problem = ChannelName.problem(with: request.channel) {
            validator.fail("channel", problem)
        }
        if !request.outcome.isEmpty {
            query.outcome = LogOutcome(rawValue: request.outcome)
            if query.outcome == nil {
                validator.fail("outcome", "\"\(request.outcome)\" is not an outcome (one of \(LogOutcome.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if !request.kind.isEmpty {
            query.kind = NotificationKind(rawValue: request.kind)
            if query.kind == nil {
                validator.fail("kind", "\"\(request.kind)\" is not a kind (one of \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if !request.since.isEmpty { query.since = validator.timestamp("since", request.since) }
        if !request.until.isEmpty { query.until = validator.timestamp("until", request.until) }
        if request.beforeID < 0 { validator.fail("before_id", "must not be negative") }
        if request.beforeID > 0 { query.beforeID = request.beforeID }
        try validator.finish()
        let selected = query
        let entries = try await storing { try await store.reminderLog(selected) }
        return .with { $0.entries = entries.map(\.proto) }
    }

    public func getSchedule(_ request: Herald_V1_GetScheduleRequest) async throws(AdminError) -> Herald_V1_GetScheduleResponse {
        let booking = try await requireBooking(request.bookingID, field: "booking_id")
        let settings = try await currentSettings(tenantID: booking.tenantID)
        let jobs = try await storing { try await store.jobs(bookingID: booking.id) }
        let log = try await storing { try await store.reminderLog(tenantID: booking.tenantID, bookingID: booking.id, limit: 1000) }
        let local = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: TimeZone(identifier: settings.timeZone) ?? .gmt)
        return .with {
            $0.booking = booking.proto
            $0.timezone = settings.timeZone
            $0.notifications = jobs.map { job in
                var notification = job.proto
                notification.dueAtLocal = local.format(job.dueAt)
                return notification
            }
            $0.log = log.map(\.proto)
        }
    }
}

extension ReminderLogEntry {
    public var proto: Herald_V1_ReminderLogEntry {
        .with {
            $0.id = id ?? 0
            $0.jobID = jobID
            $0.tenantID = tenantID
            $0.bookingID = bookingID
            $0.channel = channel
            $0.provider = provider
            $0.kind = kind.rawValue
            $0.reminderOffsetMinutes = UInt32(reminderOffsetMinutes)
            $0.scheduleVersion = UInt32(scheduleVersion)
            $0.recipient = RecipientDisplay.shown(recipient, channel: channel)
            $0.eventID = eventID
            $0.outcome = outcome.rawValue
            $0.attempts = UInt32(attempts)
            $0.providerMessageID = providerMessageID ?? ""
            $0.error = error ?? ""
            $0.loggedAt = Timestamp.format(loggedAt)
            if let delivery {
                $0.deliveryStatus = delivery.status.rawValue
                $0.deliveryStatusAt = Timestamp.format(delivery.at)
                $0.deliveryErrorCode = delivery.errorCode ?? ""
                $0.deliveryError = delivery.error ?? ""
            }
        }
    }
}

extension NotificationJob {
    public var proto: Herald_V1_ScheduledNotification {
        .with {
            $0.jobID = id
            $0.kind = kind.rawValue
            $0.channel = channel
            $0.provider = provider ?? ""
            $0.recipient = RecipientDisplay.shown(recipient, channel: channel)
            $0.reminderOffsetMinutes = UInt32(reminderOffsetMinutes)
            $0.scheduleVersion = UInt32(scheduleVersion)
            $0.dueAt = Timestamp.format(dueAt)
            $0.status = status.rawValue
            $0.attempt = UInt32(attempt)
            $0.lastError = lastError ?? ""
            $0.fallback = eventID.hasPrefix("fb_")
        }
    }
}

extension AdminService {
    /// - Parameter workers: the dispatcher's view of connected workers.
    public func listChannels(_ request: Herald_V1_ListChannelsRequest, workers: [WorkerSnapshot]) async throws(AdminError)
        -> Herald_V1_ListChannelsResponse
    {
        let queues = try await storing { try await store.queueStats(now: clock.now()) }
        return .with {
            $0.workers = workers.map { worker in
                .with {
                    $0.channel = worker.channel
                    $0.provider = worker.provider
                    $0.instanceID = worker.instanceID
                    $0.pluginVersion = worker.pluginVersion
                    $0.maxInFlight = UInt32(worker.maxInFlight)
                    $0.inFlight = UInt32(worker.inFlight)
                    $0.connectedAt = Timestamp.format(worker.connectedAt)
                    $0.lastHeardAt = Timestamp.format(worker.lastHeardAt)
                    $0.note = worker.note
                    $0.accounts = worker.accounts
                }
            }
            $0.queues = queues.map { queue in
                .with {
                    $0.channel = queue.channel
                    $0.dueNow = UInt64(queue.dueNow)
                    $0.scheduled = UInt64(queue.scheduled)
                    $0.leased = UInt64(queue.leased)
                }
            }
        }
    }
}
