import Foundation
import HeraldProto

extension AdminService {
    public func createBooking(_ request: Herald_V1_CreateBookingRequest) async throws(AdminError) -> Herald_V1_Booking {
        let now = clock.now()
        var validator = FieldValidator()
        _ = validator.identifier("tenant_id", request.tenantID)

        let id = request.id.isEmpty ? Identifier.make(prefix: "bk") : validator.identifier("id", request.id)
        let name = validator.text("customer_name", request.customerName, required: false)
        let email = request.customerEmail.isEmpty ? "" : validator.email("customer_email", request.customerEmail)
        let phone = request.customerPhone.isEmpty ? "" : validator.phone("customer_phone", request.customerPhone)
        let eventTypeID = request.eventTypeID.isEmpty ? "" : validator.identifier("event_type_id", request.eventTypeID)
        let start = validator.timestamp("start_at", request.startAt)
        if let start, start <= now {
            validator.fail("start_at", "\(request.startAt) is in the past (the core's time is \(Timestamp.format(now)))")
        }
        let explicitEnd = request.endAt.isEmpty ? nil : validator.timestamp("end_at", request.endAt)
        if let start, let explicitEnd, explicitEnd <= start {
            validator.fail("end_at", "\(request.endAt) is not after start_at \(request.startAt)")
        }
        // Unspecified: pending when the tenant asks customers to confirm (known below).
        var requestedStatus: BookingStatus?
        switch request.status {
        case .unspecified: break
        case .confirmed: requestedStatus = .confirmed
        case .pending: requestedStatus = .pending
        default: validator.fail("status", "a new booking is pending or confirmed")
        }
        try validator.finish()
        guard let id, let name, let email, let phone, let eventTypeID, let start else {
            throw .invalidArgument(validator.violations)
        }

        // Everything the checks and the planner need, usually without a read (the store
        // keeps tenant contexts). A taken id is not looked up: the write refuses it
        // (`alreadyExists`, "a booking ... already exists") and stores nothing.
        let context = try await bookingContext(
            tenantID: request.tenantID, eventTypeID: eventTypeID.isEmpty ? nil : eventTypeID, bookingID: nil)
        let tenant = context.tenant
        let eventType = context.eventType
        if !eventTypeID.isEmpty && eventType == nil {
            throw .notFound(field: "event_type_id", "tenant \"\(tenant.id)\" has no event type \"\(eventTypeID)\"")
        }

        let duration = TimeInterval((eventType?.durationMinutes ?? 60) * 60)
        let status = ConfirmationRequest.initialStatus(
            requested: requestedStatus, asks: ConfirmationRequest.asks(settings: context.settings, eventType: eventType))
        let booking = Booking(
            id: id, tenantID: tenant.id, eventTypeID: eventType?.id,
            customerName: name, customerEmail: email.isEmpty ? nil : email,
            customerPhone: phone.isEmpty ? nil : phone,
            startAt: start, endAt: explicitEnd ?? start.addingTimeInterval(duration),
            status: status, scheduleVersion: 1, createdAt: now, updatedAt: now)
        let event = try await commit(booking, replacing: nil, as: .created, context: context)
        logger.info("booking created", metadata: ["tenant": "\(tenant.id)", "booking": "\(id)", "event": "\(event.id)"])
        return event.booking.proto
    }

    public func getBooking(_ request: Herald_V1_GetBookingRequest) async throws(AdminError) -> Herald_V1_Booking {
        try await requireBooking(request.id).proto
    }

    public func listBookings(_ request: Herald_V1_ListBookingsRequest) async throws(AdminError) -> Herald_V1_ListBookingsResponse {
        let tenant = try await requireTenant(request.tenantID)
        let filter = try Self.bookingFilter(request, now: clock.now())
        let limit = clampedLimit(request.limit)
        var cursor: BookingCursor?
        if !request.pageToken.isEmpty {
            guard let decoded = Self.bookingCursor(request.pageToken) else {
                throw .invalidArgument(field: "page_token", "not a page token of ListBookings")
            }
            cursor = decoded
        }
        let after = cursor
        // One more than asked tells whether another page follows.
        var bookings = try await storing {
            try await store.bookings(tenantID: tenant.id, filter: filter, after: after, limit: limit + 1)
        }
        let more = bookings.count > limit
        bookings = Array(bookings.prefix(limit))
        return .with {
            $0.bookings = bookings.map(\.proto)
            if more, let last = bookings.last { $0.nextPageToken = Self.pageToken(after: last) }
        }
    }

    /// The request's filter: a search, else a start window, else upcoming or all.
    static func bookingFilter(_ request: Herald_V1_ListBookingsRequest, now: Date) throws(AdminError) -> BookingFilter {
        let search = request.search.trimmingCharacters(in: .whitespacesAndNewlines)
        if !search.isEmpty {
            guard search.count <= 200 else { throw .invalidArgument(field: "search", "is longer than 200 characters") }
            // No stored name has one, and PostgreSQL refuses text with NUL.
            guard !search.unicodeScalars.contains(where: FieldValidator.breaksALine) else {
                throw .invalidArgument(field: "search", "must not contain control characters such as line breaks")
            }
            return .matching(search)
        }
        guard request.startsFrom.isEmpty && request.startsBefore.isEmpty else {
            var validator = FieldValidator()
            let from = validator.timestamp("starts_from", request.startsFrom)
            let before = validator.timestamp("starts_before", request.startsBefore)
            if let from, let before, before <= from { validator.fail("starts_before", "must be after starts_from") }
            try validator.finish()
            guard let from, let before else { throw .invalidArgument(validator.violations) }
            return .starting(from: from, before: before)
        }
        return request.includeAll ? .all : .upcoming(after: now)
    }

    /// An opaque token for the page after `booking`: the base64url of its start
    /// (milliseconds since 1970) and id.
    static func pageToken(after booking: Booking) -> String {
        let millis = Int64((booking.startAt.timeIntervalSince1970 * 1000).rounded())
        return Base64URL.encode(Data("\(millis) \(booking.id)".utf8))
    }

    static func bookingCursor(_ token: String) -> BookingCursor? {
        guard token.count <= 200, let data = Base64URL.decode(token) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]) else { return nil }
        return BookingCursor(startAt: Date(timeIntervalSince1970: Double(millis) / 1000), id: String(parts[1]))
    }

    public func rescheduleBooking(_ request: Herald_V1_RescheduleBookingRequest) async throws(AdminError) -> Herald_V1_Booking {
        let current = try await requireBooking(request.id)
        guard current.status == .pending || current.status == .confirmed else {
            throw .failedPrecondition("booking \"\(current.id)\" is \(current.status.rawValue) and cannot be rescheduled")
        }
        let now = clock.now()
        var validator = FieldValidator()
        let start = validator.timestamp("start_at", request.startAt)
        if let start, start <= now {
            validator.fail("start_at", "\(request.startAt) is in the past (the core's time is \(Timestamp.format(now)))")
        }
        let explicitEnd = request.endAt.isEmpty ? nil : validator.timestamp("end_at", request.endAt)
        if let start, let explicitEnd, explicitEnd <= start {
            validator.fail("end_at", "\(request.endAt) is not after start_at \(request.startAt)")
        }
        try validator.finish()
        guard let start else { throw .invalidArgument(validator.violations) }

        let end = explicitEnd ?? start.addingTimeInterval(current.endAt.timeIntervalSince(current.startAt))
        if start == current.startAt && end == current.endAt {
            return current.proto  // Nothing moved: no new schedule version, no event.
        }
        var booking = current
        booking.startAt = start
        booking.endAt = end
        booking.scheduleVersion += 1
        booking.updatedAt = now
        let event = try await commit(booking, replacing: current, as: .rescheduled)
        logger.info("booking rescheduled", metadata: ["booking": "\(booking.id)", "event": "\(event.id)"])
        return event.booking.proto
    }

    public func cancelBooking(_ request: Herald_V1_CancelBookingRequest) async throws(AdminError) -> Herald_V1_Booking {
        let current = try await requireBooking(request.id)
        switch current.status {
        case .cancelled:
            return current.proto  // Cancelling twice is a retry, not an error.
        case .completed, .noShow:
            throw .failedPrecondition("booking \"\(current.id)\" is \(current.status.rawValue) and cannot be cancelled")
        case .pending, .confirmed:
            break
        }
        var validator = FieldValidator()
        let reason = validator.text("reason", request.reason, required: false, maxLength: 500)
        try validator.finish()

        var booking = current
        booking.status = .cancelled
        booking.updatedAt = clock.now()
        let event = try await commit(booking, replacing: current, as: .cancelled, because: reason)
        logger.info("booking cancelled", metadata: ["booking": "\(booking.id)", "event": "\(event.id)"])
        return event.booking.proto
    }

    public func setBookingStatus(_ request: Herald_V1_SetBookingStatusRequest) async throws(AdminError) -> Herald_V1_Booking {
        let eventType: BookingEventType
        let target: BookingStatus
        switch request.status {
        case .confirmed: (target, eventType) = (.confirmed, .confirmed)
        case .completed: (target, eventType) = (.completed, .completed)
        case .noShow: (target, eventType) = (.noShow, .noShow)
        case .cancelled: throw .invalidArgument(field: "status", "cancel a booking with CancelBooking")
        default: throw .invalidArgument(field: "status", "must be confirmed, completed or no_show")
        }
        let current = try await requireBooking(request.id)
        if current.status == target {
            return current.proto  // Marking twice is a retry, not an error.
        }
        let allowed: Bool
        switch current.status {
        case .pending: allowed = true
        case .confirmed: allowed = target != .confirmed
        case .cancelled, .completed, .noShow: allowed = false
        }
        guard allowed else {
            throw .failedPrecondition(
                "booking \"\(current.id)\" is \(current.status.rawValue) and cannot become \(target.rawValue)")
        }
        var booking = current
        booking.status = target
        booking.updatedAt = clock.now()
        let event = try await commit(booking, replacing: current, as: eventType)
        logger.info("booking status changed", metadata: ["booking": "\(booking.id)", "status": "\(target.rawValue)", "event": "\(event.id)"])
        return event.booking.proto
    }

    public func listEvents(_ request: Herald_V1_ListEventsRequest) async throws(AdminError) -> Herald_V1_ListEventsResponse {
        let tenant = try await requireTenant(request.tenantID)
        let bookingID = request.bookingID.isEmpty ? nil : request.bookingID
        let limit = clampedLimit(request.limit)
        let events = try await storing {
            try await store.events(tenantID: tenant.id, bookingID: bookingID, afterSequence: Int64(clamping: request.afterSequence), limit: limit)
        }
        return .with { $0.events = events.map(\.proto) }
    }

    func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws(AdminError)
        -> BookingContext
    {
        guard
            let context = try await storing({
                try await store.bookingContext(tenantID: tenantID, eventTypeID: eventTypeID, bookingID: bookingID)
            })
        else {
            throw .notFound(field: "tenant_id", "no tenant \"\(tenantID)\"")
        }
        return context
    }

    func requireBooking(_ id: String, field: String = "id") async throws(AdminError) -> Booking {
        var validator = FieldValidator()
        _ = validator.identifier(field, id)
        try validator.finish()
        guard let booking = try await storing({ try await store.booking(id: id) }) else {
            throw .notFound(field: field, "no booking \"\(id)\"")
        }
        return booking
    }

    /// Plans the booking's notifications and writes the booking, the jobs it
    /// cancels and plans, and its event in one transaction (the transactional
    /// outbox); then publishes the event and wakes the dispatcher. Nothing is
    /// published for a write that failed.
    ///
    /// - Parameter detail: the caller's words (a cancellation reason), added to
    ///   the reason logged for the jobs this write cancels.
    /// - Parameter context: what the caller already read (for creates); read here otherwise.
    func commit(
        _ written: Booking, replacing previous: Booking?, as type: BookingEventType, because detail: String? = nil,
        context known: BookingContext? = nil
    ) async throws(AdminError) -> BookingEventRecord {
        let context: BookingContext
        if let known {
            context = known
        } else {
            context = try await bookingContext(tenantID: written.tenantID, eventTypeID: written.eventTypeID, bookingID: nil)
        }
        let booking = ConfirmationRequest.stamped(
            written, change: type, settings: context.settings, eventType: context.eventType, now: clock.now())
        let event = BookingEventRecord(
            sequence: nil, id: Identifier.make(prefix: "evt"), type: type,
            tenantID: booking.tenantID, bookingID: booking.id, occurredAt: booking.updatedAt,
            booking: booking,
            previousStartAt: type == .rescheduled ? previous?.startAt : nil,
            previousEndAt: type == .rescheduled ? previous?.endAt : nil,
            previousStatus: previous?.status)
        // Only a tenant with anyone on its suppression list pays for looking the customer up.
        var suppressions: [Suppression] = []
        if context.hasSuppressions {
            let recipients = [booking.customerEmail?.lowercased(), booking.customerPhone].compactMap { $0 }
            suppressions = try await storing { try await store.suppressions(tenantID: booking.tenantID, recipients: recipients) }
        }
        let plan = NotificationPlanner.plan(
            PlanningInput(
                change: type, booking: booking, previous: previous, event: event, settings: context.settings,
                eventType: context.eventType, webhooks: context.webhooks, teamDestinations: context.teamDestinations,
                suppressions: suppressions, now: clock.now()))
        let reason = (detail ?? "").isEmpty ? plan.cancellationReason : "\(plan.cancellationReason): \(detail ?? "")"
        let cancellation: JobCancellation? = plan.cancelsPendingJobs.map { scope in
            switch scope {
            case .all: .all(reason: reason)
            case .kinds(let kinds): .kinds(kinds, reason: reason)
            }
        }
        let write = BookingWrite(
            booking: booking, expected: previous, event: event, cancelPendingJobs: cancellation,
            newJobs: plan.jobs + plan.skipped, newLogEntries: plan.logEntries)
        let stored = try await storing { try await store.writeBooking(write) }
        metrics.recordPlan(planned: plan.jobs, skipped: plan.skipped)
        publish(stored.event.proto)
        if !stored.logged.isEmpty { logged(stored.logged) }
        if !plan.jobs.isEmpty || cancellation != nil { jobsPlanned() }
        return stored.event
    }
}
