import Foundation
import HeraldBus
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP listener of a channel's provider callbacks (`--callback-listen`),
/// usually behind a TLS reverse proxy that the provider reaches at `--callback-url`.
///
/// Every request goes to the plugin's ``CallbackChannelPlugin/handleCallback(_:)``,
/// which authenticates it; what it reports goes to the core through the runner
/// (``ChannelRunner/report(_:timeout:)``) and the provider is answered 200 only
/// once the core acknowledged it, so a receipt the core never got is sent again
/// by the provider. Refused callbacks are answered 403, counted, and logged a few
/// lines a minute at most. Bodies over 1 MiB are refused (413) unread.
public struct CallbackServer: Service {
    public let address: ListenAddress
    /// The public URL of the listener's root, without a trailing slash.
    public let publicURL: String
    let plugin: any CallbackChannelPlugin
    let runner: ChannelRunner
    let logger: Logger
    let onListening: @Sendable (String) -> Void
    /// How long a callback waits for the core's acknowledgement.
    let reportTimeout: Duration

    public init(
        address: ListenAddress, publicURL: String, plugin: any CallbackChannelPlugin, runner: ChannelRunner,
        logger: Logger, reportTimeout: Duration = .seconds(5), onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.address = address
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.plugin = plugin
        self.runner = runner
        self.logger = logger
        self.reportTimeout = reportTimeout
        self.onListening = onListening
    }

    static let maxBody = 1 << 20

    public func run() async throws {
        let responder = CallbackResponder(
            publicURL: publicURL, plugin: plugin, runner: runner, logger: logger, reportTimeout: reportTimeout)
        let host = address.host, onListening = onListening
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            },
            logger: logger)
        try await application.run()
    }
}

struct CallbackResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    /// Hummingbird's (HTTPTypes'), not HeraldChannelKit's client-side `HTTPResponse`.
    typealias Status = Hummingbird.HTTPResponse.Status

    let publicURL: String
    let plugin: any CallbackChannelPlugin
    let runner: ChannelRunner
    let logger: Logger
    let reportTimeout: Duration
    let refusals = LogThrottle()

    func respond(to request: Request, context: Context) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: CallbackServer.maxBody)
        } catch {
            return Self.text(.contentTooLarge, "body over \(CallbackServer.maxBody) bytes")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let path = request.uri.path
        let query = request.uri.query ?? ""
        let callback = CallbackRequest(
            method: request.method.rawValue, path: path, query: query, headers: headers, body: Data(buffer: body),
            publicURL: publicURL + path + (query.isEmpty ? "" : "?" + query))
        switch plugin.handleCallback(callback) {
        case .respond(let status, let contentType, let text):
            return Response(
                status: Status(code: status), headers: [.contentType: contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case .rejected(let status, let reason):
            logRefusal("callback rejected", reason: reason, path: path)
            return Self.text(Status(code: status), reason)
        case .forbidden(let reason):
            runner.countRefusedCallback()
            logRefusal("callback refused", reason: reason, path: path)
            return Self.text(.forbidden, "forbidden")
        case .report(let receipts, let inbound, let reply):
            let stored = reply.map {
                Response(status: .ok, headers: [.contentType: $0.contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: $0.body)))
            } ?? Self.text(.ok, "")
            guard !receipts.isEmpty || !inbound.isEmpty else { return stored }
            switch await runner.report(receipts, inbound: inbound, timeout: reportTimeout) {
            case .stored:
                return stored
            case .coreUnavailable:
                logRefusal("callback not forwarded", reason: "no core connected", path: path)
                return Self.text(.serviceUnavailable, "the core is not connected; try again")
            case .timedOut:
                logRefusal("callback not forwarded", reason: "the core did not answer in time", path: path)
                return Self.text(.serviceUnavailable, "the core did not answer in time; try again")
            }
        }
    }

    private func logRefusal(_ message: Logger.Message, reason: String, path: String) {
        guard let suppressed = refusals.admit("\(message)") else { return }
        logger.warning(message, metadata: [
            "reason": "\(reason)", "path": "\(path.prefix(200))", "suppressed": "\(suppressed)",
        ])
    }

    private static func text(_ status: Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
