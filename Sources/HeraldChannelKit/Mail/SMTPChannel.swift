import CCurl
import Foundation

/// The e-mail channel over SMTP: builds each message itself (``MailMessage``)
/// and submits it with libcurl (``SMTPClient``). `herald-email-smtp` runs it.
///
/// It lives in the SDK rather than in the program so that tests can hand it a
/// delivery in-process, e.g. one the core would never produce.
public struct SMTPChannel: ConfiguredChannelPlugin {
    public let channel = "email"
    public let provider = "smtp"
    public let version = "1.0.0"

    /// The environment variables it reads.
    public enum Variable {
        public static let url = "SMTP_URL"
        public static let from = "SMTP_FROM"
        public static let username = "SMTP_USERNAME"
        public static let password = "SMTP_PASSWORD"
        public static let caFile = "SMTP_CA_FILE"
        public static let timeout = "SMTP_TIMEOUT"
    }

    /// The checked configuration.
    public struct Settings: Sendable, Equatable {
        public var server: SMTPServer
        /// `SMTP_FROM`: the envelope sender (its address only) and, when it has a
        /// name, the From header's display name for tenants without a sender name.
        public var from: MailAddress
    }

    public let configuration: Result<Settings, ChannelConfigurationError>

    public init(configuration: Result<Settings, ChannelConfigurationError>) {
        self.configuration = configuration
    }

    /// Reads and checks the variables; the error names the one at fault.
    public static func settings(from environment: [String: String]) throws(ChannelConfigurationError) -> Settings {
        let url = try ChannelConfigurationError.require(Variable.url, in: environment)
        let from = try ChannelConfigurationError.require(Variable.from, in: environment)
        guard !url.unicodeScalars.contains(where: { MailText.isForbidden($0) || $0 == " " }),
            let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps",
            let host = components.host, !host.isEmpty
        else {
            throw ChannelConfigurationError(
                "\(Variable.url) must be smtp://host[:port] (STARTTLS required) or smtps://host[:port], not \"\(components(redacting: url))\"")
        }
        let sender: MailAddress
        do {
            sender = try MailAddress.parse(from, field: Variable.from)
        } catch {
            throw ChannelConfigurationError(
                "\(error); expected an address (bookings@acme.test) or a name and an address "
                    + "(Acme Salon <bookings@acme.test>, \"Acme, Salon\" <bookings@acme.test>, =?UTF-8?B?...?= <bookings@acme.test>)")
        }
        let username = environment[Variable.username].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment[Variable.password].flatMap { $0.isEmpty ? nil : $0 }
        if username != nil && password == nil { throw .missing(Variable.password) }
        if password != nil && username == nil { throw .missing(Variable.username) }
        for (variable, value) in [(Variable.username, username), (Variable.password, password)] {
            // libcurl would write them into AUTH commands as they are.
            if let value, value.unicodeScalars.contains(where: MailText.isForbidden) {
                throw ChannelConfigurationError("\(variable) contains a control character")
            }
        }
        let caFile = environment[Variable.caFile].flatMap { $0.isEmpty ? nil : $0 }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ChannelConfigurationError("\(Variable.caFile) \(caFile) is not a readable file")
        }
        var timeout = Duration.seconds(45)
        if let text = environment[Variable.timeout], !text.isEmpty {
            guard let seconds = Int(text), (1...600).contains(seconds) else {
                throw ChannelConfigurationError("\(Variable.timeout) must be a number of seconds from 1 to 600, not \"\(text)\"")
            }
            timeout = .seconds(seconds)
        }
        return Settings(
            server: SMTPServer(url: url, username: username, password: password, caFile: caFile, timeout: timeout),
            from: sender)
    }

    /// The URL without its user information, for error messages (done by
    /// hand: a malformed URL, the one that needs reporting, may not parse).
    private static func components(redacting url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        return url[..<schemeEnd.upperBound] + "***" + url[at...]
    }

    public func send(_ delivery: Herald_V1_Delivery, configuration settings: Settings) async -> Outcome {
        guard case .message(let content)? = delivery.content else {
            return .failed(error: "the delivery carries no rendered message", code: "invalid_delivery")
        }
        let messageID = MailMessage.messageID(deliveryID: delivery.deliveryID, domain: settings.from.domain)
        let bytes: [UInt8]
        let recipient: MailAddress
        do {
            let sender = try Self.sender(of: content, settings: settings)
            recipient = try MailAddress(delivery.recipient.email, name: delivery.recipient.name, field: "recipient")
            let replyTo = content.replyTo.isEmpty ? nil : try MailAddress(content.replyTo, field: "reply-to")
            bytes = try MailMessage(
                from: sender, to: recipient, replyTo: replyTo, subject: content.subject, textBody: content.textBody,
                htmlBody: content.htmlBody, messageID: messageID,
                listUnsubscribeURL: content.listUnsubscribeURL.isEmpty ? nil : content.listUnsubscribeURL,
                calendar: content.hasCalendar ? .init(method: content.calendar.method, ics: content.calendar.ics) : nil
            ).rendered()
        } catch {
            return .failed(error: "not sent: \(error)", code: "invalid_message")
        }
        let result = await SMTPClient.send(bytes, from: settings.from.address, to: [recipient.address], server: settings.server)
        return Self.outcome(of: result, messageID: messageID)
    }

    /// The From mailbox: SMTP_FROM's address, with the tenant's sender name, or
    /// SMTP_FROM's name when the tenant has none. (The envelope sender is the
    /// address alone.)
    public static func sender(of content: Herald_V1_RenderedMessage, settings: Settings) throws(MailMessageError) -> MailAddress {
        let name = content.senderName.isEmpty ? settings.from.name : content.senderName
        return try MailAddress(settings.from.address, name: name, field: "sender")
    }

    /// How an SMTP result maps to an outcome: 4xx replies and connection
    /// trouble are transient (RETRY), 5xx replies permanent (FAILED), both
    /// with the reply code as the error code and the server's text.
    public static func outcome(of result: SMTPSendResult, messageID: String) -> Outcome {
        guard case .failed(let reply, let text, let curlCode, let message) = result else {
            return .sent(providerMessageID: "<\(messageID)>")
        }
        // The server's text only when it is the failure's reply: after a local
        // failure (TLS, timeout) the last reply is an unrelated success line.
        let detail = text.isEmpty || reply < 400 ? message : "\(text) (\(message))"
        switch curlCode {
        case Int(CURLE_ABORTED_BY_CALLBACK.rawValue):
            return .retry(error: "cancelled before the server accepted the message", code: "cancelled")
        case Int(CURLE_USE_SSL_FAILED.rawValue):
            // A server that does not do STARTTLS is a setup problem, not the
            // message's: retry until someone fixes it, never send in clear.
            return .retry(error: "the server refused or does not offer STARTTLS; not sending in clear: \(detail)", code: "starttls_unavailable")
        case Int(CURLE_SSL_CONNECT_ERROR.rawValue), Int(CURLE_PEER_FAILED_VERIFICATION.rawValue),
            Int(CURLE_SSL_CERTPROBLEM.rawValue), Int(CURLE_SSL_CACERT_BADFILE.rawValue), Int(CURLE_SSL_ISSUER_ERROR.rawValue):
            return .retry(error: "TLS with the server failed: \(message)", code: "tls")
        default:
            break
        }
        switch reply {
        case 400..<500: return .retry(error: detail, code: String(reply))
        case 500..<600: return .failed(error: detail, code: String(reply))
        default: return .retry(error: message, code: "curl_\(curlCode)")
        }
    }
}

extension SMTPChannel.Settings: ChannelConfiguration {
    public init(environment: [String: String]) throws(ChannelConfigurationError) {
        self = try SMTPChannel.settings(from: environment)
    }

    public var senders: [String] { [from.address] }

    /// An account gives its From address; it may share the environment's server and login.
    public static var accountVariables: Set<String> { [SMTPChannel.Variable.from] }

    /// An account on its own server never takes the environment's login (or CA) there.
    public static func shared(_ environment: [String: String], with variables: [String: String]) -> [String: String] {
        var shared = environment.filter { !accountVariables.contains($0.key) }
        if variables[SMTPChannel.Variable.url] != nil {
            for variable in [SMTPChannel.Variable.username, SMTPChannel.Variable.password, SMTPChannel.Variable.caFile] {
                shared.removeValue(forKey: variable)
            }
        }
        return shared
    }
}
