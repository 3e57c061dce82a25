import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

/// The REST/JSON API: routes, each turned into admin RPCs to the core.
struct GatewayAPI: Sendable {
    let core: CoreClient

    func router() -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("healthz") { _, _ in try Reply.json(["ok": true]).response }
        router.get("readyz") { _, _ in try await ready().response }
        addLinkRoutes(to: router)

        let api = router.group("api").add(middleware: AuthMiddleware(core: core))
        addBookingRoutes(to: api)
        addSettingsRoutes(to: api)
        addEventTypeRoutes(to: api)
        addWebhookRoutes(to: api)
        addSuppressionRoutes(to: api)
        return router
    }

    /// Ready when the core answers a ping quickly.
    func ready() async throws -> Reply {
        do {
            let ping = try await core.admin.ping(options: .init(timeout: .seconds(2)))
            return try .json(ReadyView(ok: true, core: core.endpoint, core_version: ping.version))
        } catch let error as RPCError {
            throw Problem(.serviceUnavailable, code: error.code.name, "the core at \(core.endpoint) does not answer: \(error.message)")
        }
    }

    /// Runs a POST once per `Idempotency-Key` (and API key); see ``Idempotency``.
    func idempotent(
        _ request: Request, _ context: GatewayContext, body: Data, _ work: () async throws -> Reply
    ) async throws -> Reply {
        guard let key = request.headers[.idempotencyKey] else { return try await work() }
        let scope = try context.requireCaller().keyID
        return try await Idempotency(core: core).run(scope: scope, key: key, request: request, body: body, work)
    }

    /// Query parameter `name` as a number within `range`, or `fallback` when absent.
    static func query(_ request: Request, _ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .badRequest(field: name, "\(name): a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Query parameter `name`, "" when absent; present, it must not be empty (a filter
    /// given as nothing is a mistake, not "no filter").
    static func filter(_ request: Request, _ name: String) throws(Problem) -> String {
        guard let text = request.uri.queryParameters.get(name) else { return "" }
        guard !text.isEmpty else { throw .badRequest(field: name, "\(name): empty; leave it out to not filter by it") }
        return String(text)
    }

    static func readBody(_ request: Request) async throws -> Data {
        var request = request
        do {
            return Data(buffer: try await request.collectBody(upTo: JSONBody.maxSize))
        } catch {
            throw Problem(.contentTooLarge, code: "INVALID_ARGUMENT", "the body is larger than \(JSONBody.maxSize) bytes")
        }
    }
}

/// An answer: JSON with a status, and a Location for created resources.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var body: Data
    var contentType = "application/json"
    var location: String?
    var replayed = false

    init(status: HTTPResponse.Status, body: Data, contentType: String = "application/json", location: String? = nil) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.location = location
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, location: String? = nil) throws -> Reply {
        Reply(status: status, body: try JSONCoding.encoder.encode(value), location: location)
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let location { headers[.location] = location }
        if replayed { headers[.idempotentReplayed] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension HTTPFields.Element.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

struct ReadyView: Encodable {
    var ok: Bool
    var core: String
    var core_version: String
}
