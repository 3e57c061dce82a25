import Foundation
import HeraldBus
import HeraldProto
import Testing

/// What generated clients and services stand on: ``RPCMethod`` paths, callers
/// with a program's defaults, and errors that carry their own status.
@Suite struct RPCCallerTests {
    static let whoAmI = RPCMethod(service: "test.v1.Caller", name: "WhoAmI")
    static let refuse = RPCMethod(service: "test.v1.Caller", name: "Refuse")

    /// A service error that knows its status, as the admin service's does.
    struct OutOfStock: RPCStatusConvertible {
        var rpcError: RPCError { .failedPrecondition("no seats left") }
    }

    /// WhoAmI answers with the caller's `client` metadata and the timeout it sent, in whole seconds.
    static var router: RPCRouter {
        var router = RPCRouter()
        router.register(whoAmI) { (_: Herald_V1_Status, context: RPCContext) in
            let seconds = (context.deadline - ContinuousClock.now).components.seconds + 1
            return Herald_V1_Status.with { $0.message = "\(context.metadata["client"] ?? "-") \(seconds)s" }
        }
        router.register(refuse) { (_: Herald_V1_Status, _: RPCContext) -> Herald_V1_Status in throw OutOfStock() }
        return router
    }

    @Test func aMethodTravelsAsSlashServiceSlashName() {
        #expect(Self.whoAmI.path == "/test.v1.Caller/WhoAmI")
        #expect(Self.whoAmI.description == "test.v1.Caller/WhoAmI")
    }

    @Test func aCallerAddsItsDefaultsUnlessTheCallSaysOtherwise() async throws {
        try await withServer(Self.router) { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let caller = RPCCallerWithDefaults(
                client, defaults: RPCCallOptions(timeout: .seconds(40), metadata: ["client": "herald-cli/1"]))
            let plain = try await caller.call(Self.whoAmI, Herald_V1_Status(), as: Herald_V1_Status.self, options: .defaults)
            #expect(plain.message == "herald-cli/1 40s")
            let own = try await caller.call(
                Self.whoAmI, Herald_V1_Status(), as: Herald_V1_Status.self,
                options: RPCCallOptions(timeout: .seconds(20), metadata: ["client": "probe"]))
            #expect(own.message == "probe 20s")
        }
    }

    @Test func aServiceErrorThatKnowsItsStatusIsAnsweredWithIt() async throws {
        try await withServer(Self.router) { server in
            let client = try makeClient(server.boundEndpoint)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.call(Self.refuse, Herald_V1_Status(), as: Herald_V1_Status.self, options: .defaults)
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message == "no seats left")
        }
    }
}
