import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto
import Logging
import Testing

@testable import HeraldCore

/// The admin service behind the generated routing table, called through the
/// generated client over a real admin endpoint.
@Suite("admin RPC", .timeLimit(.minutes(1)))
struct AdminRPCTests {
    static func withEndpoint(
        runtime: AdminRuntime = .detached,
        _ body: (Herald_V1_Admin.Client, RPCClient) async throws -> Void
    ) async throws {
        try await withTemporaryStore { store, _ in
            let logger = Logger(label: "test")
            let service = AdminService(
                store: store, clock: ManualWallClock(Fixture.now), logger: logger, runtime: runtime)
            var router = RPCRouter()
            service.register(into: &router)
            let context = try ZMQContext()
            let server = try RPCServer(
                context: context, configuration: RPCServerConfiguration(endpoint: "tcp://127.0.0.1:*"),
                router: router, logger: logger)
            let client = try RPCClient(context: context, endpoint: server.boundEndpoint, logger: logger)
            defer { client.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                try await body(Herald_V1_Admin.Client(client), client)
                group.cancelAll()
            }
        }
    }

    /// The rpc names of `service Admin`, read from the `.proto` itself.
    static func rpcNamesInProto() throws -> [String] {
        let proto = URL(filePath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "proto/herald/v1/admin.proto")
        let text = try String(contentsOf: proto, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard words.first == "rpc", words.count > 1 else { return nil }
            return String(words[1].prefix { $0 != "(" })
        }
    }

    @Test func everyRPCOfTheProtoIsGeneratedAndRouted() async throws {
        let names = try Self.rpcNamesInProto()
        #expect(names.count > 40)
        #expect(Herald_V1_Admin.Method.all.map(\.name) == names)
        try await withTemporaryStore { store, _ in
            var router = RPCRouter()
            AdminService(store: store, logger: Logger(label: "test")).register(into: &router)
            #expect(router.methods == names.map { "herald.v1.Admin/\($0)" }.sorted())
        }
    }

    @Test func typedClientReachesTheServiceAndItsAnswers() async throws {
        try await Self.withEndpoint { admin, _ in
            let tenant = try await admin.createTenant(.with { $0.id = "salon"; $0.name = "Salon"; $0.timezone = "Europe/Berlin" })
            #expect(tenant.id == "salon")
            let booking = try await admin.createBooking(.with {
                $0.tenantID = "salon"
                $0.customerName = "Ada"
                $0.customerEmail = "ada@example.com"
                $0.startAt = Timestamp.format(Fixture.minutes(3 * 1440))
            })
            #expect(try await admin.getBooking(.with { $0.id = booking.id }).customerName == "Ada")
            #expect(try await admin.listTenants().tenants.map(\.id) == ["salon"])
        }
    }

    @Test func anAdminErrorArrivesAsItsStatusWithEveryFieldAtFault() async throws {
        try await Self.withEndpoint { admin, _ in
            _ = try await admin.createTenant(.with { $0.id = "salon"; $0.name = "Salon" })
            let error = await #expect(throws: RPCError.self) {
                _ = try await admin.createBooking(.with {
                    $0.tenantID = "salon"
                    $0.startAt = "yesterday"
                    $0.customerEmail = "not an address"
                })
            }
            #expect(error?.code == .invalidArgument)
            let fields = Set(error?.details.map(\.field) ?? [])
            #expect(fields.isSuperset(of: ["start_at", "customer_email"]), "\(String(describing: error))")
            let missing = await #expect(throws: RPCError.self) { _ = try await admin.getTenant(.with { $0.id = "nobody" }) }
            #expect(missing?.code == .notFound)
        }
    }

    @Test func pingAndChannelsReadTheRunningCore() async throws {
        let runtime = AdminRuntime(
            version: "9.9.9",
            workers: { [] },
            probe: { delivery, _ in .noWorker(channel: delivery.channel) },
            storeOutage: { StoreHealth.Outage(problem: StoreUnavailable(cause: .diskFull, path: "/tmp/h.db", detail: ""), since: Fixture.now, failures: 3) },
            droppedFrames: { 42 })
        try await Self.withEndpoint(runtime: runtime) { admin, _ in
            let ping = try await admin.ping()
            #expect(ping.version == "9.9.9")
            #expect(ping.droppedFrames == 42)
            #expect(ping.storeRefusedWrites == 3)
            #expect(ping.storeProblem.contains("/tmp/h.db"))
        }
    }
}
