import Foundation
import HeraldProto

extension AdminService {
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
                    $0.channel == record.channel && ($0.provider == record.provider || $0.provider == "outbox")
                        && $0.accounts.contains(record.name)
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
