import HeraldCore

/// Where the core keeps its data, which endpoints it binds, and how it dispatches.
struct CoreConfiguration: Sendable {
    var databasePath: String
    var channelEndpoint: String
    var adminEndpoint: String
    var eventsEndpoint: String
    var dispatch: DispatcherConfiguration
}
