import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

/// The web console at /console: server-rendered pages over the same admin RPCs as
/// the API, for the front desk (a tenant key) and the operator (an admin key).
/// Every page is also JSON: `?format=json` or `Accept: application/json`.
struct Console: Sendable {
    let api: GatewayAPI
    let sessions: ConsoleSessions
    let renderer: ConsoleRenderer

    var core: CoreClient { api.core }

    static let sessionCookie = "herald_console"
    static let signInCookie = "herald_console_sign_in"

    func addRoutes(to router: Router<GatewayContext>) {
        let console = router.group("console").add(middleware: ConsoleErrorMiddleware(renderer: renderer))
        console.get("console.css") { _, _ in
            Response(
                status: .ok, headers: ConsoleRenderer.headers(contentType: "text/css; charset=utf-8"),
                body: .init(byteBuffer: ByteBuffer(bytes: ConsoleRenderer.stylesheet)))
        }
        console.get("sign-in") { request, _ in signInPage(request, problem: nil, status: .ok) }
        console.post("sign-in") { request, context in try await signIn(request, context) }

        let pages = console.group().add(middleware: ConsoleGuard(core: core, sessions: sessions))
        pages.get { _, _ in Response.redirect(to: "/console/bookings", type: .normal) }
        pages.post("sign-out") { request, context in try await signOut(request, context) }
        addBookingPages(to: pages)
        addLogPages(to: pages)
        addOperationsPages(to: pages)
        addSettingsPages(to: pages)
    }

    // MARK: Signing in and out

    /// The sign-in form. Its token is also a cookie of the form's own path (the
    /// double-submit pattern): a form posted from another site lacks the cookie.
    func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status) -> Response {
        // The browser's token again while it lasts (several tabs stay valid); anything
        // but a token of ours is replaced, never echoed into a header.
        let sent = request.cookies[Self.signInCookie]?.value
        let token = sent.flatMap { ConsoleSessions.isToken($0) ? $0 : nil } ?? ConsoleSessions.randomToken()
        let view = SignInView(csrf: token, error: problem ?? "", hasError: problem != nil,
                              ended: request.consoleQuery["ended"] != nil)
        var response = html("sign-in", view, status: status)
        response.setCookie(Cookie(
            name: Self.signInCookie, value: token, maxAge: 3600, path: "/console/sign-in",
            secure: Self.secure(request), httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let form = try await ConsoleForm.read(request)
        guard let cookie = request.cookies[Self.signInCookie]?.value, let posted = form["csrf"],
              ConsoleSessions.same(cookie, posted) else {
            throw ConsoleRefusal.staleForm
        }
        let key = (form["api_key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { return signInPage(request, problem: "Enter an API key.", status: .unprocessableContent) }
        guard let caller = try await core.caller(forKey: key) else {
            return signInPage(request, problem: "That key is not valid, or it has been revoked.", status: .unauthorized)
        }
        let session = await sessions.open(apiKey: key, now: Date())
        var response = Self.seeOther("/console/bookings")
        response.setCookie(Cookie(
            name: Self.sessionCookie, value: session.id, maxAge: Int(sessions.lifetime), path: "/console",
            secure: Self.secure(request), httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: Self.signInCookie, value: "", maxAge: 0, path: "/console/sign-in", httpOnly: true, sameSite: .strict))
        context.logger.info("console session opened", metadata: ["api_key": "\(caller.keyID)"])
        return response
    }

    func signOut(_ request: Request, _ context: GatewayContext) async throws -> Response {
        if let session = context.session { await sessions.close(session.id) }
        var response = Self.seeOther("/console/sign-in")
        response.setCookie(Cookie(
            name: Self.sessionCookie, value: "", maxAge: 0, path: "/console", secure: Self.secure(request),
            httpOnly: true, sameSite: .strict))
        return response
    }

    /// Secure cookies when the browser reached us over HTTPS: through a proxy that
    /// says so (`X-Forwarded-Proto: https`), as a deployment with TLS runs it.
    static func secure(_ request: Request) -> Bool {
        request.headers[.xForwardedProto]?.lowercased() == "https" || request.uri.scheme == .https
    }

    // MARK: Answers

    /// A page, or its data as JSON when the caller asked for JSON.
    func page<Page: Encodable & Sendable>(
        _ template: String, _ request: Request, _ context: GatewayContext, title: String, tenant: ConsoleTenant?,
        _ page: Page, status: HTTPResponse.Status = .ok, allTenants: [String]? = nil
    ) throws -> Response {
        if Self.wantsJSON(request) {
            var response = try Reply.json(page, status: status).response
            response.headers[.cacheControl] = "no-store"
            return response
        }
        let layout = ConsoleLayout(
            request, context, title: title, section: template, tenant: tenant, allTenants: allTenants)
        return html(template, ConsoleView(layout: layout, page: page), status: status)
    }

    func html(_ template: String, _ view: Any, status: HTTPResponse.Status) -> Response {
        let body = renderer.render(template, view)
        return Response(
            status: status, headers: ConsoleRenderer.headers(contentType: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func wantsJSON(_ request: Request) -> Bool {
        if let format = request.consoleQuery["format"] { return format == "json" }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    /// 303: after a form, the browser GETs the page (reloading it posts nothing again).
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    // MARK: Tenants

    /// The tenant a page shows: a tenant key's own; for an admin key the one named
    /// by `?tenant=`, else the first there is (nil when there is none yet).
    func tenant(_ request: Request, _ context: GatewayContext) async throws -> ConsoleTenant? {
        let caller = try context.requireCaller()
        let requested = request.consoleQuery["tenant"].flatMap { $0.isEmpty ? nil : $0 }
        switch caller.role {
        case .tenant:
            let id = try caller.tenant(requested, field: "tenant")
            return try await ConsoleTenant(id: id, choices: [], core: core)
        case .admin:
            let tenants = try await core.admin.listTenants(Herald_V1_ListTenantsRequest()).tenants
            guard let chosen = requested ?? tenants.first?.id else { return nil }
            guard tenants.contains(where: { $0.id == chosen }) else { throw Problem.notFound("no tenant \"\(chosen)\"", field: "tenant") }
            return try await ConsoleTenant(id: chosen, choices: tenants.map(\.id), core: core)
        }
    }
}

/// The tenant of a page, with its zone and locale for showing times.
struct ConsoleTenant: Sendable {
    var id: String
    /// An admin key's choice of tenants; empty for a tenant key.
    var choices: [String]
    var settings: Herald_V1_NotificationSettings
    var time: ConsoleTime

    init(id: String, choices: [String], core: CoreClient) async throws {
        self.id = id
        self.choices = choices
        settings = try await core.admin.getSettings(Herald_V1_GetSettingsRequest.with { $0.tenantID = id })
        time = ConsoleTime(timezone: settings.timezone, locale: settings.locale)
    }

    /// `?tenant=ID` for an admin key's links, so they stay on the tenant; "" for a tenant key.
    var query: String {
        choices.isEmpty ? "" : "tenant=" + (id.addingPercentEncoding(withAllowedCharacters: .urlQueryValue) ?? id)
    }
}

extension CharacterSet {
    /// What may stand unescaped in a query parameter's value.
    static let urlQueryValue: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;#?/")
        return allowed
    }()
}

extension HTTPFields.Element.Name {
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}

/// Refusals particular to the console, each a page saying what to do.
enum ConsoleRefusal: Error {
    /// A form without this session's token: posted from elsewhere, or from a page of
    /// an earlier session.
    case staleForm
    /// An admin-only page asked for with a tenant key.
    case adminOnly
}
