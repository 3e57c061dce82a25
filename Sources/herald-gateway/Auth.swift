import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

/// Who is calling: the API key the core recognised.
struct Caller: Sendable {
    enum Role: Sendable { case tenant, admin }

    var keyID: String
    var role: Role
    /// The key's tenant; for an admin key only a label, possibly empty.
    var tenantID: String

    /// The tenant a request acts on. A tenant key acts on its own tenant only, and
    /// another tenant's name answers 404 like a tenant that does not exist, so a
    /// key cannot learn which other tenants there are. An admin key must name one.
    func tenant(_ requested: String?, field: String = "tenant_id") throws(Problem) -> String {
        let requested = requested.flatMap { $0.isEmpty ? nil : $0 }
        switch role {
        case .admin:
            guard let requested else {
                throw .badRequest(field: field, "\(field): an admin key must name the tenant (e.g. ?tenant_id=salon)")
            }
            return requested
        case .tenant:
            if let requested, requested != tenantID {
                throw .notFound("no tenant \"\(requested)\"", field: field)
            }
            return tenantID
        }
    }

    /// Whether data of `tenantID` is visible to this key.
    func sees(_ tenantID: String) -> Bool {
        role == .admin || tenantID == self.tenantID
    }
}

/// Hummingbird's request context plus the authenticated caller.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var caller: Caller?
    /// The console's session, set by ``ConsoleGuard`` on console pages.
    var session: ConsoleSession?
    /// A console form's fields, read and checked by ``ConsoleGuard`` on each POST.
    var form: [String: String] = [:]

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// A path parameter, percent-decoded (the router hands them over as sent).
    func path(_ name: String) -> String? {
        parameters.get(name).map { $0.removingPercentEncoding ?? $0 }
    }

    /// The caller, set by ``AuthMiddleware`` on every `/api` route.
    func requireCaller() throws(Problem) -> Caller {
        guard let caller else { throw Problem.unauthenticated }
        return caller
    }
}

/// `Authorization: Bearer KEY`, checked by the core's `AuthenticateApiKey` on each
/// request (one indexed lookup there), so a revoked key stops at once. The key is
/// never logged.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let core: CoreClient

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Problem.unauthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem.unauthenticated }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        guard let caller = try await core.caller(forKey: key) else { throw Problem.unauthenticated }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "api_key"] = "\(caller.keyID)"
        return try await next(request, context)
    }
}

extension CoreClient {
    /// Who `key` is, as the core says now (`AuthenticateApiKey`, one indexed lookup
    /// there); nil for a key it does not accept: unknown, revoked or malformed.
    func caller(forKey key: String) async throws -> Caller? {
        do {
            let who = try await admin.authenticateApiKey(Herald_V1_AuthenticateApiKeyRequest.with { $0.key = key })
            return Caller(keyID: who.keyID, role: who.role == .admin ? .admin : .tenant, tenantID: who.tenantID)
        } catch let error as RPCError where error.code == .unauthenticated || error.code == .invalidArgument {
            return nil
        }
    }
}
