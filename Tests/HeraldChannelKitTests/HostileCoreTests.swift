import Foundation
import HeraldBus
import HeraldChannelKit
import HeraldProto
import HeraldTesting
import Testing

/// What a channel worker does when the core (or whatever answers where the
/// core should be) sends it more than a delivery can be.
@Suite("a channel worker facing a hostile core")
struct HostileCoreTests {
    /// libzmq closes the connection before the frame is allocated and does not
    /// reconnect that socket; the runner hears nothing more, takes the core for
    /// lost and registers again on a new socket, and goes on delivering.
    @Test func anOversizedDeliveryCostsTheConnectionNotTheWorker() async throws {
        let plugin = ScriptedPlugin()
        try await withRunner(plugin, configure: { $0.initialReconnectDelay = .milliseconds(100) }) { core, _, _ in
            let first = try await core.acceptRegistration(heartbeatIntervalMs: 100)
            var huge = makeDelivery("huge")
            huge.message.textBody = String(repeating: "x", count: Int(FrameLimits.delivery) + 1)
            core.send(.delivery(huge), to: first)

            let second = try await core.waitFor("a Register on a new connection") { all in
                all.filter { $0.register != nil }.dropFirst().first?.peer
            }
            #expect(second != first)
            core.welcome(second, heartbeatIntervalMs: 100)
            core.send(.delivery(makeDelivery("small")), to: second)
            #expect(try await core.result(for: "small").outcome == .sent)
            #expect(plugin.probe.started == 1, "the oversized delivery reached the plugin")
        }
    }
}
