import ArgumentParser
import HeraldProto

/// A tenant's place to send to that has an id and an on/off switch: a webhook
/// subscription or a team destination. `remove`, `enable` and `disable` are
/// the same commands for both.
protocol SwitchableResource {
    /// What the id names in help texts: "webhook", "destination".
    static var noun: String { get }
    static var removeAbstract: String { get }
    static var enableAbstract: String { get }
    static var enableDiscussion: String { get }
    static var disableAbstract: String { get }
    static func remove(_ id: String, on core: CoreConnection) async throws
    static func setEnabled(_ id: String, _ enabled: Bool, on core: CoreConnection) async throws
}

struct RemoveCommand<Resource: SwitchableResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "remove", abstract: Resource.removeAbstract)
    }

    @Argument(help: ArgumentHelp("The \(Resource.noun)'s id.")) var id: String
    @OptionGroup var core: CoreOptions

    func run() async throws {
        try await CoreConnection.with(core) { try await Resource.remove(id, on: $0) }
        print("removed \(id)")
    }
}

struct EnableCommand<Resource: SwitchableResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "enable", abstract: Resource.enableAbstract, discussion: Resource.enableDiscussion)
    }

    @Argument(help: ArgumentHelp("The \(Resource.noun)'s id.")) var id: String
    @OptionGroup var core: CoreOptions

    func run() async throws {
        try await CoreConnection.with(core) { try await Resource.setEnabled(id, true, on: $0) }
        print("enabled \(id)")
    }
}

struct DisableCommand<Resource: SwitchableResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "disable", abstract: Resource.disableAbstract)
    }

    @Argument(help: ArgumentHelp("The \(Resource.noun)'s id.")) var id: String
    @OptionGroup var core: CoreOptions

    func run() async throws {
        try await CoreConnection.with(core) { try await Resource.setEnabled(id, false, on: $0) }
        print("disabled \(id)")
    }
}
