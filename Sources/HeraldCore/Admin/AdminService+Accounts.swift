import Foundation
import HeraldProto

/// A request's choice of provider account for a channel (`sms_account`, ...).
struct AccountChoice {
    var channel: String
    var name: String
    var field: String { channel + "_account" }
}

extension AdminService {
    /// The choices that name an account some worker of the channel registered (or the
    /// default, "" or "default"), by channel; every other choice fails its field,
    /// naming the accounts there are. Reads the registered accounts only when a choice
    /// names one.
    func checkedAccounts(
        _ choices: [AccountChoice?], _ validator: inout FieldValidator
    ) async throws(AdminError) -> [String: String] {
        let given = choices.compactMap { $0 }
        var checked: [String: String] = [:]
        var known: [ProviderAccountRecord] = []
        if given.contains(where: { !ProviderAccounts.isDefault($0.name) }) {
            known = try await storing { try await store.providerAccounts() }
        }
        for choice in given {
            if ProviderAccounts.isDefault(choice.name)
                || known.contains(where: { $0.channel == choice.channel && $0.name == choice.name })
            {
                checked[choice.channel] = choice.name
            } else {
                let names = Set(known.filter { $0.channel == choice.channel }.map(\.name)).sorted()
                validator.fail(
                    choice.field,
                    "no \(choice.channel) worker has registered an account \"\(choice.name.prefix(64))\" (known: "
                        + (names.isEmpty ? "none yet; start the channel with --accounts FILE" : names.joined(separator: ", ")) + ")")
            }
        }
        return checked
    }

    /// Every provider account workers registered (with any core), and accounts jobs
    /// wait for that none registered, with this core's workers that have each and its
    /// queue. Jobs name an account per channel, so an account's queue is the channel's
    /// whatever the provider.
    func listAccounts(workers: [WorkerSnapshot]) async throws(AdminError) -> Herald_V1_ListAccountsResponse {
        let now = clock.now()
        let (records, queues) = try await storing {
            (try await store.providerAccounts(), try await store.accountQueues(now: now))
        }
        func queue(_ channel: String, _ name: String) -> AccountQueueStats? {
            queues.first { $0.channel == channel && $0.account == ProviderAccounts.jobAccount(name) }
        }
        var infos: [Herald_V1_AccountInfo] = records.map { record in
            let queue = queue(record.channel, record.name)
            return .with {
                $0.channel = record.channel
                $0.provider = record.provider
                $0.name = record.name
                $0.senders = record.senders
                $0.ratePerSecond = record.ratePerSecond
                $0.seenAt = Timestamp.format(record.seenAt)
                $0.workersHere = UInt32(workers.filter {
                    $0.channel == record.channel && $0.provider == record.provider && $0.accounts.contains(record.name)
                }.count)
                $0.dueNow = UInt64(queue?.dueNow ?? 0)
                $0.scheduled = UInt64(queue?.scheduled ?? 0)
                $0.oldestDueAt = queue?.oldestDue.map(Timestamp.format) ?? ""
            }
        }
        // Jobs of an account no worker ever registered wait in the queue, visibly.
        for queue in queues {
            let name = queue.account.isEmpty ? ProviderAccounts.defaultName : queue.account
            guard !records.contains(where: { $0.channel == queue.channel && $0.name == name }) else { continue }
            infos.append(.with {
                $0.channel = queue.channel
                $0.name = name
                $0.dueNow = UInt64(queue.dueNow)
                $0.scheduled = UInt64(queue.scheduled)
                $0.oldestDueAt = queue.oldestDue.map(Timestamp.format) ?? ""
            })
        }
        infos.sort { ($0.channel, $0.name, $0.provider) < ($1.channel, $1.name, $1.provider) }
        return .with { $0.accounts = infos }
    }
}
