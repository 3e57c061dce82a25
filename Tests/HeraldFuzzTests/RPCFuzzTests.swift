import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldCore
import HeraldProto
import HeraldTesting
import PropertyBased
import Synchronization
import SwiftProtobuf
import Testing

/// Seeds for the admin endpoint: valid requests of a few methods.
enum AdminCorpus {
    static let requests: [any SwiftProtobuf.Message] = [
        Herald_V1_PingRequest(),
        Herald_V1_CreateTenantRequest.with { $0.id = "salon"; $0.name = "Salon"; $0.timezone = "Europe/London" },
        Herald_V1_CreateBookingRequest.with {
            $0.tenantID = "salon"; $0.customerName = "Ada"; $0.customerEmail = "ada@example.com"
            $0.customerPhone = "+441632960001"; $0.startAt = "2031-08-17T15:30:00Z"
        },
        Herald_V1_ListBookingsRequest.with { $0.tenantID = "salon"; $0.limit = 10; $0.pageToken = "abc" },
        Herald_V1_AddWebhookRequest.with { $0.tenantID = "salon"; $0.url = "https://example.com/h"; $0.eventTypes = ["booking.created"] },
        Herald_V1_SetTemplateRequest.with { $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "email"; $0.subject = "{{name}}"; $0.body = "Hi" },
        Herald_V1_ClaimIdempotencyKeyRequest.with { $0.scope = "s"; $0.key = "k"; $0.fingerprint = "f" },
        Herald_V1_GetStatsRequest(),
    ]

    typealias Method = Herald_V1_Admin.Method
    static let methods: [RPCMethod] = [
        Method.ping, Method.createTenant, Method.createBooking, Method.listBookings, Method.addWebhook,
        Method.setTemplate, Method.claimIdempotencyKey, Method.getStats,
    ]

    static let rpcRequests: [Herald_V1_RpcRequest] = zip(methods, requests).map { method, request in
        .with {
            $0.id = "r-\(method.name)"
            $0.method = method.path
            $0.timeoutMs = 5000
            $0.metadata = ["client": "fuzz"]
            $0.payload = try! request.serializedData()
        }
    }

    static let responses: [Herald_V1_RpcResponse] = [
        .with { $0.id = "r-1"; $0.payload = try! Herald_V1_PingResponse.with { $0.version = "1" }.serializedData() },
        .with {
            $0.id = "r-2"
            $0.status = .with {
                $0.code = .invalidArgument; $0.message = "start_at: bad"
                $0.details = [.with { $0.field = "start_at"; $0.description_p = "bad" }]
            }
        },
    ]
}

/// The admin endpoint under hostile requests, with the real routes over a
/// real store: every well-formed request gets a status, and nothing else
/// gets anything but a count.
@Suite("RPC fuzz", .timeLimit(.minutes(2)))
struct RPCFuzzTests {
    /// Real method names (every method of the service), near misses and noise.
    static let method: Generator<String, Shrink.None<String>> = {
        let prefix = "/\(Herald_V1_Admin.serviceName)/"
        let real = Herald_V1_Admin.Method.ping.description
        let names = Herald_V1_Admin.Method.all.map(\.path)
            + ["Ping", "/herald.v1.Admin/", "/herald.v1.Admin/ping", "//herald.v1.Admin/Ping", real + "\u{0}", "/x/" + String(repeating: "A", count: 10_000)]
        let noise = Gen.letterOrNumber.string(of: 1...40)
        return Generator { rng in
            Bool.random(using: &rng) ? names.randomElement(using: &rng)! : prefix + noise.run(using: &rng)
        }
    }()

    static let metadata: Generator<[String: String], Shrink.None<[String: String]>> = {
        let text = Gen.letterOrNumber.string(of: 0...20)
        return Generator { rng in
            Dictionary((0..<Int.random(in: 0...3, using: &rng)).map { _ in (text.run(using: &rng), text.run(using: &rng)) }) { a, _ in a }
        }
    }()

    @Test func everyWellFormedRequestIsAnsweredWithAStatus() async throws {
        try await FuzzCore.with { core in
            _ = try await core.seedBooking()
            let client = try RPCClient(context: core.context, endpoint: core.admin.boundEndpoint, logger: FuzzCore.logger)
            defer { client.close() }
            let payload = Frames.hostile(Corpus.frames(AdminCorpus.requests))
            var codes: [Herald_V1_StatusCode: Int] = [:]
            await propertyCheck(count: 1000, input: Self.method, payload, Self.metadata) { method, payload, metadata in
                do {
                    _ = try await client.call(method, payload: payload, timeout: .seconds(20), metadata: metadata)
                    codes[.ok, default: 0] += 1
                } catch let error as RPCError {
                    codes[error.code, default: 0] += 1
                    // An answer, not a timeout or a failure of the core itself.
                    #expect(![.deadlineExceeded, .unavailable, .internal].contains(error.code), "\(method.prefix(60)): \(error)")
                }
            }
            // Some requests got through to the handlers, and were carried out.
            #expect(codes[.ok] ?? 0 > 0 && codes[.invalidArgument] ?? 0 > 0 && codes[.unimplemented] ?? 0 > 0, "\(codes)")
            let ping = try await Herald_V1_Admin.Client(client).ping()
            #expect(ping.version == "fuzz")
        }
    }

    /// Raw frames on the admin endpoint, as a peer that does not speak the
    /// protocol would send them: the decodable requests are answered by id,
    /// the rest dropped and counted, and Ping still works.
    @Test func rawFramesAreAnsweredOrDroppedAndCounted() async throws {
        try await FuzzCore.with { core in
            let answers = Mutex<Set<String>>([])
            let peer = try SocketThread(
                context: core.context, kind: .dealer, name: "fuzz-peer", logger: FuzzCore.logger,
                configure: { socket throws(ZMQError) in
                    try socket.apply(ZMQSocketOptions(linger: .zero))
                    try socket.connect(core.admin.boundEndpoint)
                },
                onMessage: { frames in
                    guard let response = try? Herald_V1_RpcResponse(serializedBytes: frames[0]) else { return }
                    _ = answers.withLock { $0.insert(response.id) }
                })
            defer { peer.stop() }
            var expected: Set<String> = []
            var sent = 0
            let frames = Frames.hostile(Corpus.frames(AdminCorpus.rpcRequests) + Corpus.frames(Corpus.workerMessages))
            await propertyCheck(count: 2000, input: frames) { frame in
                sent += 1
                if let request = try? Herald_V1_RpcRequest(serializedBytes: frame), !request.id.isEmpty, !request.method.isEmpty {
                    expected.insert(request.id)
                }
                // An empty frame is not a message at all for ZeroMQ's DEALER; skip it.
                if !frame.isEmpty { peer.send([frame]) }
            }
            let waitingFor = expected
            try? await eventually("every request to be answered", within: .seconds(30)) {
                waitingFor.isSubset(of: answers.withLock { $0 })
            }
            let unanswered = waitingFor.subtracting(answers.withLock { $0 })
            #expect(unanswered.isEmpty, "\(unanswered.count) of \(waitingFor.count) requests unanswered")
            #expect(core.admin.droppedFrames > 0)

            let client = try RPCClient(context: core.context, endpoint: core.admin.boundEndpoint, logger: FuzzCore.logger)
            defer { client.close() }
            let ping = try await Herald_V1_Admin.Client(client).ping()
            #expect(ping.droppedFrames == core.admin.droppedFrames + core.dispatcher.droppedFrames)
            #expect(sent == 2000)
        }
    }
}
