import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The channel that `--outbox DIR` runs instead of the real one: it writes
/// each delivery to `DIR/<delivery_id>.json` and reports provider `outbox`.
///
/// It lets a channel without credentials run (a demo, a staging system, a
/// test) while the ReminderLog says truthfully what happened: provider
/// `outbox`, never the real provider's name, so nothing is recorded as sent by
/// a provider that never saw it. A later attempt overwrites the file.
public struct OutboxPlugin: ChannelPlugin {
    public let channel: String
    public let provider = "outbox"
    public let version: String
    public let capabilities: [String]
    public let standsInFor: String?
    public let directory: URL
    /// The stood-in plugin's accounts (names and senders), so their deliveries reach
    /// the outbox too; none paced, since nothing reaches the provider.
    public let accounts: [Herald_V1_ChannelAccount]

    /// - Parameters:
    ///   - channel: the channel it stands in for; it registers under that name.
    ///   - version: the stood-in plugin's version.
    ///   - standsInFor: the stood-in plugin's provider: the core hands the outbox the
    ///     jobs meant for it (an SMS job that prefers Twilio).
    public init(
        channel: String, version: String, capabilities: [String] = [], standsInFor: String? = nil, directory: URL,
        accounts: [Herald_V1_ChannelAccount] = []
    ) {
        self.channel = channel
        self.version = version
        self.capabilities = capabilities
        self.standsInFor = standsInFor
        self.directory = directory
        self.accounts = accounts
    }

    /// The outbox standing in for `plugin`.
    public init(standingInFor plugin: some ChannelPlugin, directory: URL) {
        self.init(
            channel: plugin.channel, version: plugin.version, capabilities: plugin.capabilities,
            standsInFor: plugin.provider, directory: directory,
            accounts: plugin.accounts.map { account in .with { $0.name = account.name; $0.senders = account.senders } })
    }

    /// Creates the directory if needed and checks that it can be written.
    public func checkConfiguration() throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ChannelConfigurationError("cannot create the outbox directory \(directory.path): \(error.localizedDescription)")
        }
        guard access(directory.path, W_OK) == 0 else {
            throw ChannelConfigurationError("the outbox directory \(directory.path) is not writable")
        }
    }

    public func send(_ delivery: Herald_V1_Delivery) async -> Outcome {
        let name = Self.fileName(for: delivery.deliveryID)
        do {
            let record = OutboxRecord(delivery, channel: channel, writtenAt: Date())
            try write(try OutboxRecord.encoder.encode(record), to: name)
            return .sent(providerMessageID: "outbox:\(name)")
        } catch {
            return .retry(error: "cannot write \(name) to the outbox \(directory.path): \(error)", code: "outbox_write")
        }
    }

    /// `<delivery_id>.json`, with anything that could leave the directory or
    /// hide the file (`/`, a leading `.`) replaced by `_`.
    static func fileName(for deliveryID: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        var safe = String(deliveryID.map { allowed.contains($0) ? $0 : "_" })
        if safe.isEmpty || safe.hasPrefix(".") { safe = "_" + safe }
        return safe + ".json"
    }

    /// Writes a temporary file, syncs it and renames it into place, so a reader
    /// (or a crash) never sees half a message.
    private func write(_ data: Data, to name: String) throws {
        let final = directory.appendingPathComponent(name)
        let temporary = directory.appendingPathComponent(".\(name).\(UInt32.random(in: .min ... .max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
            guard rename(temporary.path, final.path) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
