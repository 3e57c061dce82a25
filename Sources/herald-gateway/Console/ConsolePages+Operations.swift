import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Hummingbird

extension Console {
    func addOperationsPages(to pages: RouterGroup<GatewayContext>) {
        pages.get("channels") { request, context in try await channels(request, context) }
        pages.get("attention") { request, context in try await attention(request, context) }
    }

    /// The operator's view of this core: connected workers with their credit, and the
    /// queue of each channel and provider account with how late its oldest job is.
    /// Workers serve every tenant, so this page needs an admin key.
    func channels(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard try context.requireCaller().role == .admin else { throw ConsoleRefusal.adminOnly }
        let channels = try await core.admin.listChannels(Herald_V1_ListChannelsRequest())
        let accounts = try await core.admin.listAccounts(Herald_V1_ListAccountsRequest()).accounts
        let view = ChannelsPage(ChannelsView(channels, accounts: accounts), accounts: accounts, now: Date())
        return try page("channels", request, context, title: "Channels", tenant: nil, view)
    }

    static func lateness(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: "on time"
        case ..<3600: "\(Int(seconds / 60)) min late"
        default: String(format: "%.1f h late", seconds / 3600)
        }
    }

    /// What someone should look at: failed notifications, bookings whose reminders were
    /// missed, disabled webhooks and team destinations with why, suppressed recipients.
    func attention(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        func rows(_ outcome: String) async throws -> [Herald_V1_ReminderLogEntry] {
            try await core.admin.listReminderLog(Herald_V1_ListReminderLogRequest.with {
                $0.tenantID = tenant.id
                $0.outcome = outcome
                $0.limit = 50
            }).entries
        }
        let failed = try await rows("failed")
        let missed = try await rows("missed")
        let webhooks = try await core.admin.listWebhooks(Herald_V1_ListWebhooksRequest.with { $0.tenantID = tenant.id }).webhooks
        let team = try await core.admin.listTeamDestinations(Herald_V1_ListTeamDestinationsRequest.with { $0.tenantID = tenant.id }).destinations
        let suppressions = try await core.admin.listSuppressions(Herald_V1_ListSuppressionsRequest.with {
            $0.tenantID = tenant.id
            $0.limit = 100
        }).suppressions
        // One line per booking with missed notifications, newest first.
        var seen = Set<String>()
        let missedBookings = missed.filter { seen.insert($0.bookingID).inserted }.map { LogRowView($0, time: tenant.time, query: tenant.query) }
        let page = AttentionPage(
            tenant_id: tenant.id,
            rows: failed.map { LogRowView($0, time: tenant.time, query: tenant.query) },
            missed_bookings: missedBookings,
            disabled_webhooks: webhooks.filter { !$0.enabled }.map {
                AttentionPage.Disabled(id: $0.id, target: $0.url, reason: $0.disabledReason.isEmpty ? "turned off" : $0.disabledReason)
            },
            disabled_team: team.filter { !$0.enabled }.map {
                AttentionPage.Disabled(id: $0.id, target: "\($0.channel): \($0.recipient)", reason: $0.disabledReason.isEmpty ? "turned off" : $0.disabledReason)
            },
            suppressed: suppressions.map { SuppressionRow(entry: SuppressionView($0), since: tenant.time.show($0.createdAt)) })
        return try self.page("attention", request, context, title: "Needs attention", tenant: tenant, page.counted())
    }
}

/// The operator's page: ``ChannelsView`` (its JSON, `herald channels --json`) and
/// the words and numbers worked out for showing it.
struct ChannelsPage: Encodable, Sendable {
    struct WorkerRow: Sendable {
        var worker: ChannelsView.Worker
        var credit: UInt32
        var last_heard: String
        var accounts: String
    }

    struct AccountRow: Sendable {
        var account: AccountView
        var provider: String
        var rate: String
        var late: String
        var is_late: Bool
        /// Due jobs and no worker here has the account.
        var waiting: Bool
    }

    var resource: ChannelsView
    var workers: [WorkerRow]
    var queues: [ChannelsView.Queue]
    var accounts: [AccountRow]
    var has_workers: Bool
    var has_queues: Bool
    var has_accounts: Bool

    func encode(to encoder: any Encoder) throws { try resource.encode(to: encoder) }

    init(_ resource: ChannelsView, accounts: [Herald_V1_AccountInfo], now: Date) {
        self.resource = resource
        workers = resource.workers.map { worker in
            WorkerRow(
                worker: worker, credit: worker.max_in_flight > worker.in_flight ? worker.max_in_flight - worker.in_flight : 0,
                last_heard: ConsoleTime.utc.show(worker.last_heard_at), accounts: worker.accounts.joined(separator: ", "))
        }
        queues = resource.queues
        self.accounts = accounts.map { account in
            let late = ConsoleTime.instant(account.oldestDueAt).map { max(0, now.timeIntervalSince($0)) }
            return AccountRow(
                account: AccountView(account), provider: account.provider.isEmpty ? "none: jobs wait" : account.provider,
                rate: account.ratePerSecond > 0 ? "\(account.ratePerSecond)/s" : "no limit",
                late: late.map(Console.lateness) ?? "nothing due", is_late: (late ?? 0) >= 60,
                waiting: account.workersHere == 0 && account.dueNow > 0)
        }
        has_workers = !workers.isEmpty
        has_queues = !queues.isEmpty
        has_accounts = !accounts.isEmpty
    }
}

struct SuppressionRow: Encodable, Sendable {
    var entry: SuppressionView
    var since: String

    /// As JSON, the API's suppression.
    func encode(to encoder: any Encoder) throws { try entry.encode(to: encoder) }
}

struct AttentionPage: Encodable, Sendable {
    struct Disabled: Encodable, Sendable {
        var id: String
        var target: String
        var reason: String
    }

    var tenant_id: String
    /// The failed notifications (the log's rows partial lists `rows`).
    var rows: [LogRowView]
    var missed_bookings: [LogRowView]
    var disabled_webhooks: [Disabled]
    var disabled_team: [Disabled]
    var suppressed: [SuppressionRow]
    var has_failed = false
    var has_missed = false
    var has_webhooks = false
    var has_team = false
    var has_suppressed = false
    var all_clear = false

    enum CodingKeys: String, CodingKey {
        case tenant_id, missed_bookings, disabled_webhooks, disabled_team, suppressed
        case rows = "failed"
    }

    func counted() -> Self {
        var page = self
        page.has_failed = !rows.isEmpty
        page.has_missed = !missed_bookings.isEmpty
        page.has_webhooks = !disabled_webhooks.isEmpty
        page.has_team = !disabled_team.isEmpty
        page.has_suppressed = !suppressed.isEmpty
        page.all_clear = !(page.has_failed || page.has_missed || page.has_webhooks || page.has_team || page.has_suppressed)
        return page
    }
}
