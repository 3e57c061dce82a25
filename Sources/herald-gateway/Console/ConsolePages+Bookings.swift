import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Hummingbird

extension Console {
    func addBookingPages(to pages: RouterGroup<GatewayContext>) {
        pages.get("bookings") { request, context in try await bookings(request, context) }
        pages.get("bookings/{id}") { request, context in try await booking(request, context) }
        pages.post("bookings/{id}/{action}") { request, context in try await bookingAction(request, context) }
    }

    /// Today's appointments, the upcoming ones, all, or a search by customer or id.
    func bookings(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let search = (request.consoleQuery["q"] ?? "").trimmingCharacters(in: .whitespaces)
        var view = search.isEmpty ? request.consoleQuery["view"] ?? "today" : "search"
        if !["today", "upcoming", "all", "search"].contains(view) { view = "today" }
        let today = tenant.time.day(of: Date())
        let limit = try GatewayAPI.query(request, "limit", default: Self.pageSize, in: 1...200)
        let answer = try await core.admin.listBookings(Herald_V1_ListBookingsRequest.with {
            $0.tenantID = tenant.id
            $0.limit = UInt32(limit)
            $0.pageToken = request.consoleQuery["cursor"] ?? ""
            switch view {
            case "search": $0.search = search
            case "today":
                $0.startsFrom = ConsoleTime.rfc3339(today.start)
                $0.startsBefore = ConsoleTime.rfc3339(today.end)
            case "all": $0.includeAll = true
            default: break
            }
        })
        let query = tenant.query
        let rows = answer.bookings.map { booking in
            BookingsPage.Row(
                booking: BookingView(booking), href: Self.bookingHref(booking.id, query: query),
                starts: tenant.time.show(booking.startAt), status: booking.status.word)
        }
        let heading = switch view {
        case "search": "Bookings matching “\(search)”"
        case "upcoming": "Upcoming bookings"
        case "all": "All bookings"
        default: "Today, \(tenant.time.dayName(Date()))"
        }
        var next = ""
        if !answer.nextPageToken.isEmpty {
            next = "/console/bookings?" + [query, "view=\(view)", search.isEmpty ? "" : "q=\(Self.escapeQuery(search))",
                                           limit == Self.pageSize ? "" : "limit=\(limit)",
                                           "cursor=\(Self.escapeQuery(answer.nextPageToken))"].filter { !$0.isEmpty }.joined(separator: "&")
        }
        let tabs = [("today", "Today"), ("upcoming", "Upcoming"), ("all", "All")].map { id, label in
            ConsoleLayout.Link(
                href: "/console/bookings?" + [query, "view=\(id)"].filter { !$0.isEmpty }.joined(separator: "&"),
                label: label, current: id == view)
        }
        let page = BookingsPage(
            tenant_id: tenant.id, view: view, search: search, heading: heading, timezone: tenant.settings.timezone,
            bookings: rows, has_bookings: !rows.isEmpty, next_href: next, has_next: !next.isEmpty, tabs: tabs,
            tenant_field: tenant.choices.isEmpty ? "" : tenant.id, has_tenant_field: !tenant.choices.isEmpty)
        return try self.page("bookings", request, context, title: heading, tenant: tenant, page)
    }

    /// One booking: `herald schedule` as a page, with the booking's actions.
    func booking(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let booking = try await api.visibleBooking(context)
        let tenant = try await ConsoleTenant(id: booking.tenantID, choices: try await adminChoices(context), core: core)
        let schedule = try await core.admin.getSchedule(Herald_V1_GetScheduleRequest.with { $0.bookingID = booking.id })
        let page = BookingPage(schedule, tenant: tenant)
        return try self.page("booking", request, context, title: "Booking of \(booking.customerName)", tenant: tenant, page)
    }

    /// Reschedule, cancel, confirm, completed, no-show: first a page that asks, then
    /// (with `confirmed=yes`) the booking's normal path in the core, back to its page.
    func bookingAction(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let booking = try await api.visibleBooking(context)
        let tenant = try await ConsoleTenant(id: booking.tenantID, choices: try await adminChoices(context), core: core)
        guard let action = BookingAction(rawValue: context.path("action") ?? "") else {
            throw Problem.notFound("no booking action \"\(context.path("action") ?? "")\"", field: "action")
        }
        let form = context.form
        var newStart: Date?
        if action == .reschedule {
            guard let text = form["start"], let start = tenant.time.localInput(text) else {
                throw Problem.invalid(field: "start", "give the new start as a date and time (\(tenant.settings.timezone))")
            }
            newStart = start
        }
        let reason = String((form["reason"] ?? "").prefix(500))
        guard form["confirmed"] == "yes" else {
            let page = ConfirmPage(
                booking: BookingView(booking), action: action.rawValue, question: action.question,
                details: action.details(booking, newStart: newStart, time: tenant.time, reason: reason),
                button: action.button, form_action: Console.linked(Console.bookingPath(booking.id) + "/\(action.rawValue)", query: tenant.query),
                back_href: Self.bookingHref(booking.id, query: tenant.query),
                fields: [ConfirmPage.Field(name: "start", value: form["start"] ?? ""), ConfirmPage.Field(name: "reason", value: reason)]
                    .filter { !$0.value.isEmpty })
            return try self.page("confirm", request, context, title: action.question, tenant: tenant, page)
        }
        func mark(_ status: Herald_V1_BookingStatus) async throws {
            _ = try await core.admin.setBookingStatus(Herald_V1_SetBookingStatusRequest.with {
                $0.id = booking.id
                $0.status = status
            })
        }
        switch action {
        case .reschedule:
            guard let newStart else { break }
            _ = try await core.admin.rescheduleBooking(Herald_V1_RescheduleBookingRequest.with {
                $0.id = booking.id
                $0.startAt = ConsoleTime.rfc3339(newStart)
            })
        case .cancel:
            _ = try await core.admin.cancelBooking(Herald_V1_CancelBookingRequest.with {
                $0.id = booking.id
                $0.reason = reason
            })
        case .confirm: try await mark(.confirmed)
        case .complete: try await mark(.completed)
        case .noShow: try await mark(.noShow)
        }
        context.logger.info("console booking action", metadata: ["booking": "\(booking.id)", "action": "\(action.rawValue)"])
        let done = [tenant.query, "done=\(action.done)"].filter { !$0.isEmpty }.joined(separator: "&")
        return Self.seeOther(Self.linked(Self.bookingPath(booking.id), query: done))
    }

    /// An admin key's tenant list (for the picker), empty for a tenant key.
    func adminChoices(_ context: GatewayContext) async throws -> [String] {
        guard try context.requireCaller().role == .admin else { return [] }
        return try await core.admin.listTenants(Herald_V1_ListTenantsRequest()).tenants.map(\.id)
    }

    static func bookingHref(_ id: String, query: String) -> String {
        linked(bookingPath(id), query: query)
    }

    /// A booking's page, its id escaped as one path segment.
    static func bookingPath(_ id: String) -> String {
        "/console/bookings/\(pathSegment(id))"
    }

    /// A template's page.
    static func templatePath(kind: String, channel: String) -> String {
        "/console/templates/\(pathSegment(kind))/\(pathSegment(channel))"
    }

    /// `path`, with `?query` when there is one.
    static func linked(_ path: String, query: String) -> String {
        query.isEmpty ? path : path + "?" + query
    }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    static func escapeQuery(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryValue) ?? ""
    }

    static let noTenants = Problem.notFound("There are no tenants yet. Create one with `herald tenant create`.", field: "tenant")
}

/// What the console can do to a booking, each through the core's booking RPCs.
enum BookingAction: String, Sendable {
    case reschedule, cancel, confirm, complete
    case noShow = "no-show"

    var question: String {
        switch self {
        case .reschedule: "Move this booking?"
        case .cancel: "Cancel this booking?"
        case .confirm: "Confirm this booking?"
        case .complete: "Mark this booking completed?"
        case .noShow: "Mark this booking as a no-show?"
        }
    }

    var button: String {
        switch self {
        case .reschedule: "Yes, move it"
        case .cancel: "Yes, cancel it"
        case .confirm: "Yes, confirm it"
        case .complete: "Yes, mark it completed"
        case .noShow: "Yes, mark it a no-show"
        }
    }

    /// The `?done=` word of the page shown after it.
    var done: String {
        switch self {
        case .reschedule: "rescheduled"
        case .cancel: "cancelled"
        case .confirm: "confirmed"
        case .complete: "completed"
        case .noShow: "no_show"
        }
    }

    func details(_ booking: Herald_V1_Booking, newStart: Date?, time: ConsoleTime, reason: String) -> [String] {
        let who = booking.customerName.isEmpty ? "the customer" : booking.customerName
        let when = time.show(booking.startAt)
        switch self {
        case .reschedule:
            return ["From \(when) to \(newStart.map(time.show) ?? "") (\(time.zoneName)).",
                    "\(who) is sent the new time; reminders move with it."]
        case .cancel:
            return ["\(who), \(when)." + (reason.isEmpty ? "" : " Reason: \(reason)"),
                    "\(who) is sent a cancellation notice; the reminders not yet sent are dropped."]
        case .confirm: return ["\(who), \(when).", "The booking becomes confirmed."]
        case .complete: return ["\(who), \(when).", "The follow-up, if the tenant sends one, goes out as planned."]
        case .noShow: return ["\(who), \(when).", "No follow-up is sent for a no-show."]
        }
    }
}

struct BookingsPage: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        var booking: BookingView
        var href: String
        var starts: String
        var status: String

        /// As JSON, the API's booking.
        func encode(to encoder: any Encoder) throws { try booking.encode(to: encoder) }
    }

    var tenant_id: String
    var view: String
    var search: String
    var heading: String
    var timezone: String
    var bookings: [Row]
    var has_bookings: Bool
    var next_href: String
    var has_next: Bool
    var tabs: [ConsoleLayout.Link]
    /// An admin key's search keeps the tenant (a hidden field).
    var tenant_field: String
    var has_tenant_field: Bool

    enum CodingKeys: String, CodingKey {
        case tenant_id, view, search, timezone, bookings, next_href
    }
}


/// A booking's page: the booking, every notification planned for it with its state
/// and reason, its ReminderLog, and what can be done to it.
struct BookingPage: Encodable, Sendable {
    struct Notification: Encodable, Sendable {
        var job_id: String
        var when: String
        var what: String
        var channel: String
        var provider: String
        var recipient: String
        var status: String
        var delivery: String
        var has_delivery: Bool
        var reason: String
        var has_reason: Bool
        var fallback: Bool
    }

    var booking: BookingView
    var starts: String
    var ends: String
    var timezone: String
    var status: String
    var open: Bool
    var pending: Bool
    var past: Bool
    var notifications: [Notification]
    var has_notifications: Bool
    var rows: [LogRowView]
    var has_log: Bool
    var reschedule_value: String
    var action_base: String
    var action_query: String

    enum CodingKeys: String, CodingKey {
        case booking, timezone, notifications
        case rows = "log"
    }

    init(_ schedule: Herald_V1_GetScheduleResponse, tenant: ConsoleTenant) {
        let booking = schedule.booking
        self.booking = BookingView(booking)
        starts = tenant.time.show(booking.startAt)
        ends = tenant.time.show(booking.endAt)
        timezone = schedule.timezone
        status = booking.status.word
        open = booking.status == .pending || booking.status == .confirmed
        pending = booking.status == .pending
        let start = ConsoleTime.instant(booking.startAt)
        past = start.map { $0 <= Date() } ?? false
        // The reason of a job's newest log row (why it was skipped, missed, failed).
        var reasons: [String: String] = [:]
        for entry in schedule.log.reversed() where !entry.error.isEmpty { reasons[entry.jobID] = entry.error }
        let delivery = schedule.deliveryStatusByJob
        notifications = schedule.notifications.map { job in
            let reason = reasons[job.jobID] ?? job.lastError
            return Notification(
                job_id: job.jobID, when: tenant.time.show(job.dueAt), what: LogRowView.describe(kind: job.kind, offset: job.reminderOffsetMinutes),
                channel: job.channel, provider: job.provider, recipient: job.recipient, status: job.status,
                delivery: delivery[job.jobID] ?? "", has_delivery: !(delivery[job.jobID] ?? "").isEmpty,
                reason: reason, has_reason: !reason.isEmpty, fallback: job.fallback)
        }
        has_notifications = !notifications.isEmpty
        rows = schedule.log.map { LogRowView($0, time: tenant.time, query: tenant.query) }
        has_log = !rows.isEmpty
        action_base = Console.bookingPath(booking.id)
        reschedule_value = start.map(tenant.time.inputValue) ?? ""
        action_query = tenant.query.isEmpty ? "" : "?" + tenant.query
    }
}

/// The question before an action: what it will do, and the form that does it.
struct ConfirmPage: Encodable, Sendable {
    struct Field: Encodable, Sendable {
        var name: String
        var value: String
    }

    var booking: BookingView
    var action: String
    var question: String
    var details: [String]
    var button: String
    var form_action: String
    var back_href: String
    var fields: [Field]
}
