import HeraldCore
import Hummingbird
import Logging
import ServiceLifecycle

/// `GET /metrics` over HTTP: the core's metrics in the Prometheus text format.
///
/// A Hummingbird application, the project's HTTP server, run as one more
/// `Service` of heraldd's group, so SIGTERM stops it with the rest. It binds in
/// `run()`; once it listens it reports the URL (with the port chosen for 0) to
/// `onListening`. It is unauthenticated: bind loopback, or put it behind a proxy.
struct MetricsServer: Service {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let address: MetricsAddress
    /// The text to serve, computed per request.
    let exposition: @Sendable () async throws -> String
    let onListening: @Sendable (_ url: String) -> Void
    let logger: Logger

    func run() async throws {
        let router = Router()
        let exposition = exposition
        let logger = logger
        router.get("metrics") { _, _ -> Response in
            let text: String
            do {
                text = try await exposition()
            } catch {
                logger.error("cannot collect metrics", metadata: ["error": "\(error)"])
                throw HTTPError(.serviceUnavailable, message: "cannot collect metrics; see the core's log")
            }
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        let onListening = onListening
        let host = address.host
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                onListening("http://\(shownHost):\(port)/metrics")
            },
            logger: logger)
        do {
            try await application.run()
        } catch {
            throw MetricsServerError(address: address, underlying: error)
        }
    }
}

/// The metrics endpoint could not be served (its address is taken or not local).
struct MetricsServerError: Error, CustomStringConvertible {
    var address: MetricsAddress
    var underlying: any Error
    var description: String { "cannot serve metrics on \(address.host):\(address.port): \(underlying)" }
}
