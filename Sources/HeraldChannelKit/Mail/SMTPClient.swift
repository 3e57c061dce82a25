import CCurl
import Foundation

/// Where and how to submit mail.
public struct SMTPServer: Sendable, Equatable {
    /// `smtp://host:587` (STARTTLS is then required) or `smtps://host:465`;
    /// may carry `user:password@`.
    public var url: String
    public var username: String?
    public var password: String?
    /// PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// The whole transfer, connection included.
    public var timeout: Duration

    public init(url: String, username: String? = nil, password: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(45)) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }
}

/// What became of one submission.
public enum SMTPSendResult: Sendable, Equatable {
    case accepted
    /// The server or the connection failed. `replyCode` is the SMTP reply code
    /// of the last command the server answered (0 when it never answered);
    /// `curlCode` is libcurl's `CURLcode`.
    case failed(replyCode: Int, replyText: String, curlCode: Int, message: String)
}

/// Submits one message over SMTP with libcurl: EHLO, STARTTLS (required for
/// `smtp://`), AUTH when credentials are given, MAIL FROM, RCPT TO, DATA.
public enum SMTPClient {
    /// Sends `message` from `sender` to `recipients` (bare addresses, already
    /// checked: libcurl writes them into the SMTP commands as they are).
    public static func send(
        _ message: [UInt8], from sender: String, to recipients: [String], server: SMTPServer
    ) async -> SMTPSendResult {
        let timeoutMs = Int(server.timeout.components.seconds * 1000 + server.timeout.components.attoseconds / 1_000_000_000_000_000)
        let result = await CurlTransfer.run { (easy: CurlEasy) throws(CurlError) in
            try easy.set(CURLOPT_URL, server.url)
            // Nothing but SMTP, even through a redirect-like surprise.
            try easy.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            // STARTTLS or fail: the message and the password never go out in clear.
            try easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
            try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile = server.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            if let username = server.username { try easy.set(CURLOPT_USERNAME, username) }
            if let password = server.password { try easy.set(CURLOPT_PASSWORD, password) }
            try easy.set(CURLOPT_TIMEOUT_MS, timeoutMs)
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 15_000))
            try easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
            try easy.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
            try easy.setUpload(message)
        } finish: { easy, error -> SMTPSendResult in
            guard let error else { return .accepted }
            let code = easy.responseCode
            // The server's reply lines arrive through the header callback; the
            // last one that starts with the code is the reply to the failed command.
            let reply = easy.responseLines.last { code > 0 && $0.hasPrefix(String(code)) } ?? ""
            let text = reply.count > 4 ? String(reply.dropFirst(4)) : reply
            return .failed(replyCode: code, replyText: text, curlCode: error.code, message: error.message)
        }
        switch result {
        case .success(let sent): return sent
        case .failure(let error): return .failed(replyCode: 0, replyText: "", curlCode: error.code, message: error.message)
        }
    }
}
