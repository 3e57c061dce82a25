import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

/// Every console page but sign-in: the session cookie names a session, whose API key
/// the core must still accept (asked on every request, so a revoked key ends its
/// sessions at once), and every POST carries the session's CSRF token.
struct ConsoleGuard: RouterMiddleware {
    typealias Context = GatewayContext
    let core: CoreClient
    let sessions: ConsoleSessions

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        guard let cookie = request.cookies[Console.sessionCookie]?.value,
              let session = await sessions.session(cookie, now: Date()) else {
            return Self.signInFirst(request, ended: request.cookies[Console.sessionCookie] != nil)
        }
        guard let caller = try await core.caller(forKey: session.apiKey) else {
            await sessions.close(apiKey: session.apiKey)
            context.logger.info("console session ended: its API key is no longer accepted")
            return Self.signInFirst(request, ended: true)
        }
        var context = context
        context.caller = caller
        context.session = session
        context.logger[metadataKey: "api_key"] = "\(caller.keyID)"
        if request.method == .post {
            let form = try await ConsoleForm.read(request)
            guard let token = form["csrf"], ConsoleSessions.same(token, session.csrf) else { throw ConsoleRefusal.staleForm }
            context.form = form
        }
        return try await next(request, context)
    }

    /// Pages, and forms posted after the session ended, send the browser to sign in
    /// (303: it follows with a GET; the form is not acted on); JSON callers get 401.
    static func signInFirst(_ request: Request, ended: Bool) -> Response {
        if Console.wantsJSON(request) {
            let problem = Problem(.unauthorized, code: "UNAUTHENTICATED", "sign in to the console first")
            return Response(
                status: .unauthorized, headers: [.contentType: "application/problem+json"],
                body: .init(byteBuffer: ByteBuffer(bytes: problem.body)))
        }
        return Console.seeOther(ended ? "/console/sign-in?ended=1" : "/console/sign-in")
    }
}

/// The console's form bodies (`application/x-www-form-urlencoded`), by field name.
enum ConsoleForm {
    /// Templates are the largest field (100,000 characters of HTML, escaped).
    static let maxSize = 1 << 20

    static func read(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxSize)
        } catch {
            throw Problem(.contentTooLarge, code: "INVALID_ARGUMENT", "the form is larger than \(maxSize) bytes")
        }
        let text = String(buffer: buffer)
        guard !text.isEmpty else { return [:] }
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch {
            throw Problem.badRequest("the form could not be read: \(error)")
        }
    }
}

/// Console errors as pages: what went wrong and where to go; JSON callers get the
/// API's problem+json.
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let renderer: ConsoleRenderer

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem: Problem = switch error {
            case ConsoleRefusal.staleForm:
                .forbidden("This form is out of date or did not come from this console. Go back, reload the page and try again.")
            case ConsoleRefusal.adminOnly:
                .forbidden("This page needs an admin key. Sign in with one to see it.")
            default:
                Problem.from(error)
            }
            if problem.status.code >= 500 {
                context.logger.error("console request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            if Console.wantsJSON(request) { return try problem.response(from: request, context: context) }
            let view = ErrorView(
                status: problem.status.code, title: problem.status.reasonPhrase, detail: problem.detail,
                fields: problem.errors.map { "\($0.field): \($0.detail)" }, hasFields: !problem.errors.isEmpty,
                signedIn: context.session != nil)
            let body = renderer.render("error", view)
            return Response(
                status: problem.status, headers: ConsoleRenderer.headers(contentType: "text/html; charset=utf-8"),
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}

extension Request {
    /// The query as an HTML form sends it (`+` for a space), by name; the last of a
    /// repeated name wins, and a query that cannot be read is empty.
    var consoleQuery: [String: String] {
        guard let query = uri.query, !query.isEmpty else { return [:] }
        return (try? URLEncodedFormDecoder().decode([String: String].self, from: query)) ?? [:]
    }
}
