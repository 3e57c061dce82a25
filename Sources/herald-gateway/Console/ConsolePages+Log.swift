import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Hummingbird

extension Console {
    func addLogPages(to pages: RouterGroup<GatewayContext>) {
        pages.get("log") { request, context in try await log(request, context) }
    }

    static let outcomes = ["sent", "failed", "skipped", "missed", "cancelled"]
    static let kinds = ["confirmation", "reminder", "reschedule", "cancellation", "follow_up", "host_notification", "webhook"]
    /// Rows or bookings a page shows unless `?limit=` says otherwise (1 to 200).
    static let pageSize = 50

    /// The ReminderLog, newest first, filtered by outcome, channel, kind and days (in
    /// the tenant's zone), 50 rows a page. An admin key may read every tenant's.
    func log(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let caller = try context.requireCaller()
        let parameters = request.consoleQuery
        let requested = parameters["tenant"].flatMap { $0.isEmpty ? nil : $0 }
        let tenant: ConsoleTenant? = caller.role == .admin && requested == nil
            ? nil : try await self.tenant(request, context)
        // An admin key's picker: the tenants the page's tenant came with, else asked now.
        var choices = tenant?.choices ?? []
        if caller.role == .admin, tenant == nil { choices = try await adminChoices(context) }
        let time = tenant?.time ?? .utc
        let filter = LogFilter(
            outcome: parameters["outcome"] ?? "", channel: (parameters["channel"] ?? "").trimmingCharacters(in: .whitespaces),
            kind: parameters["kind"] ?? "", since: parameters["since"] ?? "", until: parameters["until"] ?? "")
        var since: Date?, until: Date?
        if !filter.since.isEmpty {
            guard let day = time.dateInput(filter.since) else { throw Problem.invalid(field: "since", "a date such as 2026-12-08") }
            since = day
        }
        if !filter.until.isEmpty {
            guard let day = time.dateInput(filter.until) else { throw Problem.invalid(field: "until", "a date such as 2026-12-08") }
            until = time.day(of: day).end
        }
        let before = try GatewayAPI.query(request, "before", default: 0, in: 0...Int(Int64.max))
        let limit = try GatewayAPI.query(request, "limit", default: Self.pageSize, in: 1...200)
        let answer = try await core.admin.listReminderLog(Herald_V1_ListReminderLogRequest.with {
            $0.tenantID = tenant?.id ?? ""
            $0.outcome = filter.outcome
            $0.channel = filter.channel
            $0.kind = filter.kind
            $0.since = since.map(ConsoleTime.rfc3339) ?? ""
            $0.until = until.map(ConsoleTime.rfc3339) ?? ""
            $0.beforeID = Int64(before)
            $0.limit = UInt32(limit + 1)
        })
        let entries = answer.entries.prefix(limit)
        let query = tenant?.query ?? ""
        let rows = entries.map { LogRowView($0, time: time, query: query, showTenant: tenant == nil) }
        var next = ""
        if answer.entries.count > limit, let last = entries.last {
            let kept = [("tenant", tenant?.id ?? ""), ("outcome", filter.outcome), ("channel", filter.channel),
                        ("kind", filter.kind), ("since", filter.since), ("until", filter.until),
                        ("limit", limit == Self.pageSize ? "" : String(limit))]
            next = "/console/log?" + (kept.filter { !$0.1.isEmpty }.map { "\($0.0)=\(Self.escapeQuery($0.1))" }
                + ["before=\(last.id)"]).joined(separator: "&")
        }
        let page = LogPage(
            tenant_id: tenant?.id ?? "", timezone: time.zoneName, filter: filter,
            outcomes: Self.options(Self.outcomes, selected: filter.outcome, all: "Any outcome"),
            kinds: Self.options(Self.kinds, selected: filter.kind, all: "Any kind"),
            rows: rows, has_entries: !rows.isEmpty, next_href: next, has_next: !next.isEmpty,
            tenant_field: tenant?.id ?? "", has_tenant_field: caller.role == .admin && tenant != nil)
        return try self.page(
            "log", request, context, title: "Reminder log", tenant: tenant, page,
            allTenants: caller.role == .admin ? choices : nil)
    }

    static func options(_ values: [String], selected: String, all: String) -> [ConsoleLayout.Choice] {
        [ConsoleLayout.Choice(id: "", label: all, selected: selected.isEmpty)]
            + values.map { ConsoleLayout.Choice(id: $0, label: $0.replacingOccurrences(of: "_", with: " "), selected: $0 == selected) }
    }
}

struct LogFilter: Encodable, Sendable {
    var outcome: String
    var channel: String
    var kind: String
    var since: String
    var until: String
}

struct LogPage: Encodable, Sendable {
    var tenant_id: String
    var timezone: String
    var filter: LogFilter
    var outcomes: [ConsoleLayout.Choice]
    var kinds: [ConsoleLayout.Choice]
    var rows: [LogRowView]
    var has_entries: Bool
    var next_href: String
    var has_next: Bool
    /// An admin key's filters keep the tenant (a hidden field).
    var tenant_field: String
    var has_tenant_field: Bool

    enum CodingKeys: String, CodingKey {
        case tenant_id, timezone, filter, next_href
        case rows = "entries"
    }
}
