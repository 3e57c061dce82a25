import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Hummingbird

extension GatewayAPI {
    func addBookingRoutes(to api: RouterGroup<GatewayContext>) {
        api.post("tenants/{tenant}/bookings") { request, context in try await createBooking(request, context).response }
        api.get("tenants/{tenant}/bookings") { request, context in try await listBookings(request, context).response }
        api.get("bookings/{id}") { _, context in
            try Reply.json(BookingView(try await visibleBooking(context))).response
        }
        api.patch("bookings/{id}") { request, context in try await updateBooking(request, context).response }
        api.delete("bookings/{id}") { request, context in
            let booking = try await visibleBooking(context)
            let cancelled = try await core.admin.cancelBooking(Herald_V1_CancelBookingRequest.with {
                $0.id = booking.id
                $0.reason = request.uri.queryParameters.get("reason") ?? ""
            })
            return try Reply.json(BookingWriteJSON(cancelled)).response
        }
        api.get("bookings/{id}/notifications") { _, context in
            let booking = try await visibleBooking(context)
            let schedule = try await core.admin.getSchedule(Herald_V1_GetScheduleRequest.with { $0.bookingID = booking.id })
            return try Reply.json(ScheduleView(schedule)).response
        }
        api.get("reminder-log") { request, context in
            let caller = try context.requireCaller()
            let requested = request.uri.queryParameters.get("tenant_id")
            // An admin key may read every tenant's log; a tenant key only its own.
            let tenant = caller.role == .admin && requested == nil ? "" : try caller.tenant(requested)
            let parameters = request.uri.queryParameters
            let limit = UInt32(try Self.query(request, "limit", default: 100, in: 1...1000))
            let before = Int64(try Self.query(request, "before_id", default: 0, in: 1...Int(Int64.max)))
            let answer = try await core.admin.listReminderLog(Herald_V1_ListReminderLogRequest.with {
                $0.tenantID = tenant
                // Within the tenant: another tenant's booking id finds nothing.
                $0.bookingID = parameters.get("booking_id") ?? ""
                $0.limit = limit
                $0.outcome = try Self.filter(request, "outcome")
                $0.channel = try Self.filter(request, "channel")
                $0.kind = try Self.filter(request, "kind")
                $0.since = try Self.filter(request, "since")
                $0.until = try Self.filter(request, "until")
                $0.beforeID = before
            })
            return try Reply.json(ReminderLogJSON(entries: answer.entries.map(LogEntryView.init))).response
        }
    }

    static let bookingFields: Set<String> = [
        "id", "event_type_id", "customer_name", "customer_email", "customer_phone", "start_at", "end_at", "status",
    ]

    func createBooking(_ request: Request, _ context: GatewayContext) async throws -> Reply {
        let tenant = try context.requireCaller().tenant(context.path("tenant"), field: "tenant")
        let data = try await Self.readBody(request)
        return try await idempotent(request, context, body: data) {
            let body = try JSONBody(data)
            try body.allowOnly(Self.bookingFields)
            var status = Herald_V1_BookingStatus.unspecified
            if let word = try body.string("status") {
                guard let parsed = StatusWord.parse(word), parsed == .pending || parsed == .confirmed else {
                    throw Problem.invalid(field: "status", "a new booking is \"pending\" or \"confirmed\"")
                }
                status = parsed
            }
            let rpc = Herald_V1_CreateBookingRequest.with {
                $0.tenantID = tenant
                $0.status = status
            }
            let booking = try await core.admin.createBooking(try Self.fill(rpc, from: body))
            return try .json(BookingWriteJSON(booking), status: .created, location: "/api/bookings/\(booking.id)")
        }
    }

    private static func fill(_ request: Herald_V1_CreateBookingRequest, from body: JSONBody) throws(Problem) -> Herald_V1_CreateBookingRequest {
        var request = request
        request.id = try body.string("id") ?? ""
        request.eventTypeID = try body.string("event_type_id") ?? ""
        request.customerName = try body.string("customer_name") ?? ""
        request.customerEmail = try body.string("customer_email") ?? ""
        request.customerPhone = try body.string("customer_phone") ?? ""
        request.startAt = try body.string("start_at") ?? ""
        request.endAt = try body.string("end_at") ?? ""
        return request
    }

    func listBookings(_ request: Request, _ context: GatewayContext) async throws -> Reply {
        let tenant = try context.requireCaller().tenant(context.path("tenant"), field: "tenant")
        let limit = try Self.query(request, "limit", default: 50, in: 1...500)
        let include = request.uri.queryParameters.get("include")
        guard include == nil || include == "all" else { throw Problem.badRequest(field: "include", "include: only \"all\"") }
        let answer = try await core.admin.listBookings(Herald_V1_ListBookingsRequest.with {
            $0.tenantID = tenant
            $0.includeAll = include == "all"
            $0.limit = UInt32(limit)
            $0.pageToken = request.uri.queryParameters.get("cursor") ?? ""
            $0.search = request.uri.queryParameters.get("q") ?? ""
            $0.startsFrom = try Self.filter(request, "starts_from")
            $0.startsBefore = try Self.filter(request, "starts_before")
        })
        return try .json(BookingListJSON(
            bookings: answer.bookings.map(BookingView.init), limit: limit,
            next_cursor: answer.nextPageToken.isEmpty ? nil : answer.nextPageToken))
    }

    /// The booking named in the path, if the caller may see it; another tenant's
    /// booking answers 404 exactly like a missing one.
    func visibleBooking(_ context: GatewayContext) async throws -> Herald_V1_Booking {
        let caller = try context.requireCaller()
        let id = try context.path("id") ?? context.parameters.require("id")
        let notFound = Problem.notFound("no booking \"\(id)\"")
        do {
            let booking = try await core.admin.getBooking(Herald_V1_GetBookingRequest.with { $0.id = id })
            guard caller.sees(booking.tenantID) else { throw notFound }
            return booking
        } catch let error as RPCError where error.code == .notFound || error.code == .invalidArgument {
            throw notFound
        }
    }

    func updateBooking(_ request: Request, _ context: GatewayContext) async throws -> Reply {
        let body = try JSONBody(try await Self.readBody(request))
        try body.allowOnly(["start_at", "end_at", "status", "reason"])
        var booking = try await visibleBooking(context)
        let startAt = try body.string("start_at")
        let endAt = try body.string("end_at")
        let statusWord = try body.string("status")
        var status: Herald_V1_BookingStatus?
        if let statusWord {
            guard let parsed = StatusWord.parse(statusWord), parsed != .pending else {
                throw Problem.invalid(field: "status", "one of confirmed, cancelled, completed, no_show")
            }
            status = parsed
        }
        guard startAt != nil || endAt != nil || status != nil else {
            throw Problem.invalid(field: "start_at", "send start_at/end_at to reschedule or status to change the status")
        }
        if startAt != nil || endAt != nil {
            booking = try await core.admin.rescheduleBooking(Herald_V1_RescheduleBookingRequest.with {
                $0.id = booking.id
                $0.startAt = startAt ?? booking.startAt
                $0.endAt = endAt ?? ""
            })
        }
        if let status {
            if status == .cancelled {
                let reason = try body.string("reason") ?? ""
                booking = try await core.admin.cancelBooking(Herald_V1_CancelBookingRequest.with {
                    $0.id = booking.id
                    $0.reason = reason
                })
            } else {
                booking = try await core.admin.setBookingStatus(Herald_V1_SetBookingStatusRequest.with {
                    $0.id = booking.id
                    $0.status = status
                })
            }
        }
        return try .json(BookingWriteJSON(booking))
    }
}
