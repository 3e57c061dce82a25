import ArgumentParser
import Foundation

/// A channel program's command: its help text, the options every channel takes,
/// and the plugin it runs. `run()` is this protocol's (``ChannelMain/run(plugin:options:)``),
/// so `main.swift` is, for a ``ConfiguredChannelPlugin``:
///
/// ```swift
/// struct HeraldSMSTwilio: ChannelCommand {
///     typealias Plugin = TwilioPlugin
///     static let configuration = CommandConfiguration(commandName: "herald-sms-twilio", abstract: "...", discussion: "...")
///     @OptionGroup var options: ChannelOptions
/// }
///
/// await HeraldSMSTwilio.runAsMain()
/// ```
///
/// A plugin made otherwise (from options of the program's own) comes from ``makePlugin(environment:)``.
public protocol ChannelCommand: AsyncParsableCommand {
    associatedtype Plugin: ChannelPlugin

    /// `@OptionGroup var options: ChannelOptions`.
    var options: ChannelOptions { get }

    /// The plugin to run, made once the options are parsed; `environment` is the process's.
    func makePlugin(environment: [String: String]) throws -> Plugin
}

extension ChannelCommand {
    public func run() async throws {
        // The plugin's configuration reads the callback URL as the variable, whichever
        // way it was given (the option wins).
        var environment = ProcessInfo.processInfo.environment
        environment[ChannelOptions.callbackURLVariable] = try options.callbacks()?.publicURL
        try await ChannelMain.run(plugin: makePlugin(environment: environment), options: options)
    }

    /// Parses the command line and runs the command, exiting as ArgumentParser
    /// does (0, 64 for bad usage, 78 for a refused configuration, ...). Call it at
    /// the top level of `main.swift`, where `main()` would name the synchronous
    /// entry point, which refuses async commands.
    public static func runAsMain() async {
        await main()
    }
}

extension ChannelCommand where Plugin: ConfiguredChannelPlugin {
    public func makePlugin(environment: [String: String]) -> Plugin {
        Plugin(environment: environment)
    }

    /// Runs the plugin once per provider account: the environment's, and those of
    /// `--accounts FILE` (``AccountsPlugin``).
    public func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment[ChannelOptions.callbackURLVariable] = try options.callbacks()?.publicURL
        let plugin = AccountsPlugin<Plugin>(environment: environment, file: options.accountsFile(environment: environment))
        try await ChannelMain.run(plugin: plugin, options: options)
    }
}
