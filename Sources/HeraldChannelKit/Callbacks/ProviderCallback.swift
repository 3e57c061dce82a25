import Foundation

/// One HTTP request a provider sent to a channel's callback listener.
public struct CallbackRequest: Sendable {
    /// "GET", "POST", ...
    public var method: String
    /// The path below the listener's root, e.g. "/status".
    public var path: String
    /// The raw query string, without `?`; empty when none.
    public var query: String
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data
    /// The URL the provider called: the public callback URL (`--callback-url`) with
    /// this request's path and query, which Twilio signs.
    public var publicURL: String

    public init(method: String, path: String, query: String = "", headers: [String: String] = [:], body: Data = Data(), publicURL: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
        self.publicURL = publicURL
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The query string's fields, in order.
    public var queryParameters: [(name: String, value: String)] { FormEncoding.decode(query) }

    /// The body's fields when it is a form (`application/x-www-form-urlencoded`), in order.
    public var formParameters: [(name: String, value: String)] {
        guard header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false else { return [] }
        return FormEncoding.decode(String(decoding: body, as: UTF8.self))
    }
}

/// What a channel makes of a provider's callback.
public enum CallbackAnswer: Sendable, Equatable {
    /// Authentic, with news for the core (delivery receipts, customers' messages): sent
    /// as one `Report`, and the provider is answered 200 once the core has it (503
    /// otherwise, so it tries again).
    /// `reply` is what the provider is answered with once the core has it (Twilio
    /// wants TwiML on its incoming-message webhook); nil: an empty 200.
    case report(
        receipts: [Herald_V1_Receipt], inbound: [Herald_V1_InboundMessage] = [],
        reply: CallbackReply? = nil)
    /// Answered as is, nothing forwarded: a verification handshake, an event the
    /// channel does not forward.
    case respond(status: Int, contentType: String = "text/plain; charset=utf-8", body: String = "")
    /// Not authentic: 403, counted (the core's `herald_callbacks_refused_total`) and
    /// logged a few lines a minute at most. Nothing of it is forwarded.
    case forbidden(reason: String)
    /// Authentic but not understood (a malformed body) or not a path the channel serves: 400 / 404.
    case rejected(status: Int, reason: String)
}

/// A body a provider is answered with.
public struct CallbackReply: Sendable, Equatable {
    public var contentType: String
    public var body: String

    public init(contentType: String, body: String) {
        self.contentType = contentType
        self.body = body
    }
}

/// A channel plugin that takes its provider's callbacks: delivery receipts and
/// customers' messages.
///
/// ``ChannelMain`` serves these on `--callback-listen` when `--callback-url` is
/// given; the plugin's configuration then reads `HERALD_CALLBACK_URL` (the
/// option's value) to ask the provider for callbacks when it sends.
public protocol CallbackChannelPlugin: ChannelPlugin {
    /// Authenticates and reads one callback. Runs concurrently, on the listener's
    /// threads; must be quick and must not block.
    func handleCallback(_ request: CallbackRequest) -> CallbackAnswer
}

extension Herald_V1_Receipt {
    /// A receipt for `messageID`; `occurredAt` nil when the provider does not say.
    public init(
        provider: String, messageID: String, status: Herald_V1_DeliveryStatus, providerStatus: String,
        occurredAt: Date? = nil, errorCode: String = "", errorMessage: String = "", deliveryID: String = ""
    ) {
        self.init()
        self.provider = provider
        self.providerMessageID = messageID
        self.status = status
        self.providerStatus = providerStatus
        if let occurredAt { occurredAtMs = Int64((occurredAt.timeIntervalSince1970 * 1000).rounded()) }
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.deliveryID = deliveryID
    }
}
