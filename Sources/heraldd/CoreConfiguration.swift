/// Where the core keeps its data and which endpoints it binds.
struct CoreConfiguration: Sendable {
    var databasePath: String
    var channelEndpoint: String
    var adminEndpoint: String
    var eventsEndpoint: String
}
