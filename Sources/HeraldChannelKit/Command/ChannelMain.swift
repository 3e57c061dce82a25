import ArgumentParser
import Foundation
import HeraldBus
import Logging
import ServiceLifecycle

/// What a channel program's `run()` calls once its options are parsed:
///
/// ```swift
/// @main struct SMSTwilio: AsyncParsableCommand {
///     @OptionGroup var options: ChannelOptions
///     func run() async throws {
///         try await ChannelMain.run(plugin: TwilioPlugin(environment: ProcessInfo.processInfo.environment), options: options)
///     }
/// }
/// ```
public enum ChannelMain {
    /// Exit status for a configuration error (`EX_CONFIG` from sysexits.h).
    public static let configurationExitCode = ExitCode(78)

    /// Bootstraps logging, checks the configuration, then runs a
    /// ``ChannelRunner`` in a `ServiceGroup` until SIGTERM or SIGINT (graceful)
    /// or a `Reject`. The core's `Shutdown` does not stop it: it reconnects.
    ///
    /// With `--outbox DIR` an ``OutboxPlugin`` runs in the plugin's place and the
    /// plugin's own configuration is not checked. Without it, a configuration
    /// error is printed ("herald-sms-twilio: TWILIO_ACCOUNT_SID is not set; set it
    /// or pass --outbox DIR") and the program exits with status 78.
    ///
    /// - Throws: `ExitCode` for a refused configuration or a rejecting core.
    public static func run(plugin: some ChannelPlugin, options: ChannelOptions) async throws {
        let program = URL(fileURLWithPath: CommandLine.arguments.first ?? "herald-channel").lastPathComponent
        let level = try options.resolvedLogLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: program)
        logger.logLevel = level

        let running: any ChannelPlugin = options.outboxDirectory.map { OutboxPlugin(standingInFor: plugin, directory: $0) } ?? plugin
        do {
            try running.checkConfiguration()
        } catch {
            FileHandle.standardError.write(Data((startupFailureMessage(program: program, error: error, outbox: options.outbox != nil) + "\n").utf8))
            throw configurationExitCode
        }

        let configuration = ChannelRunner.Configuration(
            endpoint: options.endpoint(), instanceID: options.instanceID(for: plugin), maxInFlight: options.maxInFlight,
            curve: try options.curve())
        let context = try ZMQContext()
        // Last, whatever happens: waits for the Goodbye (or a final Result) to leave
        // within the socket's LINGER, which exiting the process would not.
        defer { context.terminate() }
        let runner = ChannelRunner(plugin: running, configuration: configuration, context: context, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let accounts = running as? any ReloadableAccounts, accounts.file != nil {
            logger.notice("provider accounts", metadata: ["accounts": "\(accounts.accounts.map(\.name).joined(separator: ","))"])
            services.append(.init(service: AccountsReloader(accounts: accounts, runner: runner, logger: logger)))
        }
        // Asked for with the options, callbacks the program cannot take are an error;
        // from the variables alone (an environment shared by several channels, as under
        // `herald up`), they concern only the channels that take callbacks.
        let askedByOption = options.callbackListen != nil || options.callbackURL != nil
        if let callbacks = try options.callbacks(),
           askedByOption || (plugin is any CallbackChannelPlugin && options.outbox == nil)
        {
            guard let callbackPlugin = plugin as? any CallbackChannelPlugin else {
                FileHandle.standardError.write(Data("\(program): this channel takes no provider callbacks; drop --callback-listen and --callback-url\n".utf8))
                throw configurationExitCode
            }
            guard options.outbox == nil else {
                FileHandle.standardError.write(Data("\(program): --outbox sends nothing to the provider, so no callbacks will come; drop --callback-listen and --callback-url\n".utf8))
                throw configurationExitCode
            }
            let server = CallbackServer(
                address: callbacks.listen, publicURL: callbacks.publicURL, plugin: callbackPlugin, runner: runner,
                logger: logger,
                onListening: { [logger] url in
                    logger.notice("taking provider callbacks", metadata: ["listen": "\(url)", "public_url": "\(callbacks.publicURL)"])
                })
            // Stops first on shutdown (reverse order): no callback is taken that the runner could not forward.
            services.append(.init(service: server))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A send that ignores the drain timeout is cancelled rather than waited for forever.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.drainTimeout + .seconds(5)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch let rejected as ChannelRejectedError {
            FileHandle.standardError.write(Data("\(program): \(rejected)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The one line a channel prints when it refuses to start.
    static func startupFailureMessage(program: String, error: any Error, outbox: Bool) -> String {
        guard let error = error as? ChannelConfigurationError else { return "\(program): \(error)" }
        if error.variable != nil && !outbox {
            return "\(program): \(error.message); set it or pass --outbox DIR"
        }
        return "\(program): \(error.message)"
    }
}
