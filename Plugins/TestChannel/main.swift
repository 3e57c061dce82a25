// herald-test-channel: a channel that sends nothing and answers each delivery
// as told. The end-to-end and fault tests and herald-bench run it as a worker.
import ArgumentParser
import Foundation
import HeraldChannelKit
import Synchronization

struct HeraldTestChannel: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-test-channel",
        abstract: "A Herald channel for tests and benchmarks: answers every delivery as told, sends nothing.")

    enum Answer: String, ExpressibleByArgument, CaseIterable {
        case sent, retry, failed
        /// Never answer, so the core's lease has to expire.
        case hang
    }

    @OptionGroup var options: ChannelOptions

    @Option(help: ArgumentHelp("The channel to register for.", valueName: "name"))
    var channel = "email"

    @Option(help: ArgumentHelp("The provider name reported in results.", valueName: "name"))
    var provider = "test"

    @Option(name: .customLong("delay-ms"), help: ArgumentHelp("Wait this long before answering.", valueName: "ms"))
    var delayMs: Int = 0

    @Option(help: "How to answer: sent, retry, failed, or hang (never answer).")
    var outcome: Answer = .sent

    @Option(name: .customLong("retry-after-ms"), help: ArgumentHelp("retry_after_ms in RETRY answers.", valueName: "ms"))
    var retryAfterMs: Int?

    @Option(name: .customLong("fail-first"),
            help: ArgumentHelp("Answer RETRY to attempts 1...N of each delivery, then as --outcome says.", valueName: "n"))
    var failFirst: Int = 0

    @Option(name: .customLong("hold-while"),
            help: ArgumentHelp("Answer nothing while this file exists (a test's gate), then as told.", valueName: "file"))
    var holdWhile: String?

    @Option(help: ArgumentHelp("Append \"<delivery_id> <attempt>\" to this file for every delivery handed out.",
                               valueName: "file"))
    var record: String?

    @Option(name: .customLong("numbered-accounts"),
            help: ArgumentHelp("Register N provider accounts, a0 ... a<N-1> (herald-bench's pacing scenario).", valueName: "n"))
    var numberedAccounts: Int = 0

    @Option(name: .customLong("account-rates"),
            help: ArgumentHelp("With --numbered-accounts: rates per second given to the accounts in turn (a0 the first, a1 the second, ...); none: unpaced.",
                               valueName: "list"))
    var accountRates: String = ""

    func validate() throws {
        guard delayMs >= 0, failFirst >= 0, (retryAfterMs ?? 0) >= 0 else {
            throw ValidationError("--delay-ms, --retry-after-ms and --fail-first cannot be negative")
        }
        guard (0...10_000).contains(numberedAccounts) else { throw ValidationError("--numbered-accounts takes 0 to 10000") }
        guard rates != nil else { throw ValidationError("--account-rates takes numbers from 0 to 10000, comma-separated") }
    }

    /// `--account-rates` parsed; nil when it is not a list of rates.
    private var rates: [Double]? {
        let rates = accountRates.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard rates.allSatisfy({ $0.map { (0...10_000).contains($0) } ?? false }) else { return nil }
        return rates.compactMap { $0 }
    }

    private var accounts: [Herald_V1_ChannelAccount] {
        let rates = rates ?? []
        return (0..<numberedAccounts).map { index in
            .with {
                $0.name = "a\(index)"
                if !rates.isEmpty { $0.ratePerSecond = rates[index % rates.count] }
            }
        }
    }

    func makePlugin(environment: [String: String]) throws -> TestChannel {
        let recorder = try record.map { path in
            do { return try DeliveryRecorder(path: path) } catch {
                throw ValidationError("cannot open --record \(path): \(error)")
            }
        }
        return TestChannel(
            channel: channel, provider: provider, delay: .milliseconds(delayMs), answer: outcome,
            retryAfter: retryAfterMs.map { .milliseconds($0) }, failFirst: failFirst, recorder: recorder,
            gate: holdWhile, accounts: accounts)
    }
}

struct TestChannel: ChannelPlugin {
    let channel: String
    let provider: String
    let version = "1.0.0"
    let delay: Duration
    let answer: HeraldTestChannel.Answer
    let retryAfter: Duration?
    let failFirst: Int
    let recorder: DeliveryRecorder?
    var gate: String? = nil
    var accounts: [Herald_V1_ChannelAccount] = []

    func send(_ delivery: Herald_V1_Delivery) async -> Outcome {
        recorder?.record(delivery)
        if delay > .zero { try? await Task.sleep(for: delay) }
        while let gate, FileManager.default.fileExists(atPath: gate), !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if delivery.attempt <= failFirst {
            return .retry(error: "test channel: failing attempt \(delivery.attempt) of the first \(failFirst)",
                          code: "test_fail_first", after: retryAfter)
        }
        switch answer {
        case .sent:
            return .sent(providerMessageID: "test-\(delivery.deliveryID)-\(delivery.attempt)")
        case .retry:
            return .retry(error: "test channel: told to retry", code: "test_retry", after: retryAfter)
        case .failed:
            return .failed(error: "test channel: told to fail", code: "test_failed")
        case .hang:
            // Until the runner gives up on it at shutdown; it then reports a retry, never a send.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return .retry(error: "test channel: cancelled while hanging", code: "test_hang")
        }
    }
}

/// Appends one line per delivery, each written with one unbuffered `write(2)`
/// on an `O_APPEND` descriptor, so a test reading the file sees every line the
/// moment the delivery was handed out, even if this process is then killed.
final class DeliveryRecorder: Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(descriptor) }

    func record(_ delivery: Herald_V1_Delivery) {
        let line = Array("\(delivery.deliveryID) \(delivery.attempt)\n".utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

await HeraldTestChannel.runAsMain()
