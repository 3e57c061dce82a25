import HeraldBus
import HeraldChannelKit
import Logging

/// Test timings: quick reconnects so a test never waits seconds for backoff.
func testConfiguration(_ core: FakeCore, maxInFlight: Int = 16) -> ChannelRunner.Configuration {
    ChannelRunner.Configuration(
        endpoint: core.endpoint, instanceID: "sms-fake-test", maxInFlight: maxInFlight,
        registerTimeout: .seconds(2), initialReconnectDelay: .milliseconds(100),
        maximumReconnectDelay: .seconds(1), drainTimeout: .seconds(5))
}

/// Runs a runner for `plugin` against a fresh fake core while `body` runs, then
/// cancels both.
func withRunner(
    _ plugin: any ChannelPlugin,
    core: FakeCore? = nil,
    configure: (inout ChannelRunner.Configuration) -> Void = { _ in },
    _ body: (FakeCore, ChannelRunner, EventLog) async throws -> Void
) async throws {
    let core = try core ?? FakeCore()
    defer { core.close() }
    var configuration = testConfiguration(core)
    configure(&configuration)
    let runner = ChannelRunner(plugin: plugin, configuration: configuration, context: core.context, logger: .quiet)
    let events = EventLog()
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await core.pump() }
        group.addTask { await events.collect(runner) }
        group.addTask { try await runner.run() }
        try await body(core, runner, events)
        group.cancelAll()
    }
}
