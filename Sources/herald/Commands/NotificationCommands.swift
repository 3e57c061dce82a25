import ArgumentParser
import HeraldProto
import HeraldViews

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the ReminderLog: what was sent, failed, skipped, missed or cancelled, newest first.")

    @Option(help: "Only this tenant's notifications.") var tenant: String?
    @Option(help: "Only this booking's notifications.") var booking: String?
    @Option(help: "Only rows with this outcome: sent, failed, skipped, missed or cancelled.") var outcome: String?
    @Option(help: "Only this channel's rows (email, sms, whatsapp, webhook, or a plugin's).") var channel: String?
    @Option(help: "Only this kind: confirmation, reminder, reschedule, cancellation, host_notification, follow_up or webhook.")
    var kind: String?
    @Option(help: ArgumentHelp("Only rows logged at or after this time (ISO 8601).", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Only rows logged before this time (ISO 8601).", valueName: "time")) var until: String?
    @Option(help: ArgumentHelp("Only rows older than this row id: the next page after one that ended with it.", valueName: "id"))
    var beforeID: Int64?
    @Option(help: "At most this many rows (default 100, at most 1000).") var limit: UInt32 = 100
    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let request = Herald_V1_ListReminderLogRequest.with {
            $0.tenantID = tenant ?? ""
            $0.bookingID = booking ?? ""
            $0.limit = limit
            $0.outcome = outcome ?? ""
            $0.channel = channel ?? ""
            $0.kind = kind ?? ""
            $0.since = since ?? ""
            $0.until = until ?? ""
            $0.beforeID = beforeID ?? 0
        }
        let answer = try await CoreConnection.with(core) {
            try await $0.admin.listReminderLog(request)
        }
        if output.json {
            try printJSON(answer.entries.map(LogEntryView.init))
        } else {
            print(logTable(answer.entries))
        }
    }
}

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Show every planned notification of a booking: kind, channel, due time, state, reason.")

    @Argument(help: "The booking's id.") var booking: String
    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await CoreConnection.with(core) {
            try await $0.admin.getSchedule(Herald_V1_GetScheduleRequest.with { $0.bookingID = booking })
        }
        if output.json {
            try printJSON(ScheduleView(answer))
            return
        }
        print("booking \(answer.booking.id): \(answer.booking.status.word), starts \(answer.booking.startAt) (schedule version \(answer.booking.scheduleVersion))")
        var table = Table("kind", "channel", "recipient", "offset", "due (UTC)", "due (\(answer.timezone))", "state", "attempt", "reason")
        let delivery = answer.deliveryStatusByJob
        for job in answer.notifications {
            // "sent, delivered": what the provider reported after accepting it.
            let state = delivery[job.jobID].map { "\(job.status), \($0)" } ?? job.status
            table.append([
                job.kind + (job.fallback ? " (fallback)" : ""), job.channel + (job.provider.isEmpty ? "" : "/\(job.provider)"),
                job.recipient,
                job.kind == "reminder" ? "\(job.reminderOffsetMinutes) min" : "", job.dueAt, job.dueAtLocal, state,
                "\(job.attempt)", job.lastError,
            ])
        }
        print(table.render())
    }
}

struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels", abstract: "Show connected channel workers and each channel's queue.")

    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let (answer, accounts) = try await CoreConnection.with(core) {
            (try await $0.admin.listChannels(), try await $0.admin.listAccounts(.init()).accounts)
        }
        if output.json {
            try printJSON(ChannelsView(answer, accounts: accounts))
            return
        }
        var workers = Table("channel", "provider", "instance", "accounts", "in flight", "last heartbeat", "connected", "version")
        for worker in answer.workers {
            let accounts = worker.accounts.count <= 3
                ? worker.accounts.joined(separator: ",")
                : worker.accounts.prefix(2).joined(separator: ",") + ",... (\(worker.accounts.count))"
            workers.append([
                worker.channel, worker.provider, worker.instanceID, accounts, "\(worker.inFlight)/\(worker.maxInFlight)",
                worker.lastHeardAt, worker.connectedAt, worker.pluginVersion,
            ])
        }
        print(answer.workers.isEmpty ? "no channel workers are connected" : workers.render())
        for worker in answer.workers where !worker.note.isEmpty {
            print("note: \(worker.instanceID): \(worker.note)")
        }
        print("")
        var queues = Table("channel", "due now", "scheduled", "in flight", "workers")
        for queue in answer.queues {
            let count = answer.workers.filter { $0.channel == queue.channel }.count
            queues.append([
                queue.channel, "\(queue.dueNow)", "\(queue.scheduled)", "\(queue.leased)",
                count == 0 ? "none: jobs wait" : "\(count)",
            ])
        }
        print(answer.queues.isEmpty ? "no jobs are queued" : queues.render())
        if let perAccount = Self.accountQueues(accounts) {
            print("")
            print(perAccount)
        }
    }

    /// Each account's queue, once provider accounts are in use (an account other than
    /// "default" exists): a job waits for a worker that has its account.
    static func accountQueues(_ accounts: [Herald_V1_AccountInfo]) -> String? {
        guard accounts.contains(where: { $0.name != "default" }) else { return nil }
        var table = Table("channel", "account", "due now", "scheduled", "oldest due", "workers")
        // One row per channel and account: its queue is the channel's whatever the provider,
        // and its workers are those of every provider.
        let workersHere = Dictionary(accounts.map { ([$0.channel, $0.name], Int($0.workersHere)) }, uniquingKeysWith: +)
        var seen = Set<[String]>()
        for account in accounts where seen.insert([account.channel, account.name]).inserted {
            let workers = workersHere[[account.channel, account.name], default: 0]
            table.append([
                account.channel, account.name, "\(account.dueNow)", "\(account.scheduled)",
                account.oldestDueAt.isEmpty ? "-" : account.oldestDueAt,
                workers == 0 ? "none: jobs wait" : "\(workers)",
            ])
        }
        return table.render()
    }
}

func logTable(_ entries: [Herald_V1_ReminderLogEntry]) -> String {
    var table = Table("time", "outcome", "delivery", "kind", "channel", "provider", "recipient", "booking", "attempts", "detail")
    for entry in entries {
        table.append([
            entry.loggedAt, entry.outcome, entry.deliveryStatus,
            entry.kind + (entry.kind == "reminder" ? " \(entry.reminderOffsetMinutes)m" : ""),
            entry.channel, entry.provider, entry.recipient, entry.bookingID, "\(entry.attempts)", entry.detail,
        ])
    }
    return table.render()
}

extension Herald_V1_ReminderLogEntry {
    /// The provider's message id of a sent row (and its delivery error, once reported
    /// undelivered), the error or reason of any other.
    var detail: String {
        guard outcome == "sent" else { return error }
        let undelivered = [deliveryErrorCode, deliveryError].filter { !$0.isEmpty }.joined(separator: ": ")
        return undelivered.isEmpty ? providerMessageID : "\(providerMessageID) (\(undelivered))"
    }
}

