import Foundation
import HeraldTesting
import Testing

/// A real SMTP server (aiosmtpd, `Tests/Peers/smtp_peer.py`) on a free port,
/// with a throwaway certificate made by `openssl` in the test's directory.
final class SMTPPeer: @unchecked Sendable {
    enum Mode: String { case starttls, smtps, plain }

    let process: ChildProcess
    let mode: Mode
    let port: Int
    /// Where the peer writes `<n>.eml`, `<n>.json` and `rcpt.log`.
    let mailDirectory: URL
    /// The certificate to trust (`SMTP_CA_FILE`).
    let certificate: URL

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Peers/smtp_peer.py")

    /// Starts the peer and waits for its ready line.
    static func start(
        in directory: URL, mode: Mode = .starttls, user: String? = "herald", password: String = "s3cret pass"
    ) async throws -> SMTPPeer {
        let certificate = directory.appendingPathComponent("peer-cert.pem")
        let key = directory.appendingPathComponent("peer-key.pem")
        if !FileManager.default.fileExists(atPath: certificate.path) {
            try await makeCertificate(certificate: certificate, key: key)
        }
        let mail = directory.appendingPathComponent("mail-\(mode.rawValue)-\(UUID().uuidString.prefix(8))")
        var arguments = [script.path, "--dir", mail.path, "--cert", certificate.path, "--key", key.path, "--mode", mode.rawValue]
        if let user { arguments += ["--user", user, "--password", password] }
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
        let line = try await process.waitForLine(containing: "smtp-peer ready port=")
        guard let port = line.split(separator: "=").last.flatMap({ Int($0) }) else {
            throw PeerFailed(what: "no port in the ready line", output: process.stdout)
        }
        return SMTPPeer(process: process, mode: mode, port: port, mailDirectory: mail, certificate: certificate)
    }

    private init(process: ChildProcess, mode: Mode, port: Int, mailDirectory: URL, certificate: URL) {
        self.process = process
        self.mode = mode
        self.port = port
        self.mailDirectory = mailDirectory
        self.certificate = certificate
    }

    /// `smtp://127.0.0.1:PORT`, or `smtps://` for implicit TLS. The
    /// certificate names 127.0.0.1, so verification is on.
    var url: String { "\(mode == .smtps ? "smtps" : "smtp")://127.0.0.1:\(port)" }

    /// Every message accepted so far, oldest first.
    func messages() throws -> [ReceivedMail] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mailDirectory.path)) ?? []
        return try names.filter { $0.hasSuffix(".eml") }.sorted().map { name in
            let eml = mailDirectory.appendingPathComponent(name)
            let json = eml.deletingPathExtension().appendingPathExtension("json")
            return ReceivedMail(
                raw: try Data(contentsOf: eml),
                parsed: try JSONDecoder().decode(ParsedMail.self, from: Data(contentsOf: json)))
        }
    }

    /// "code address" for every RCPT the peer answered.
    var recipientLog: [String] {
        let text = (try? String(contentsOf: mailDirectory.appendingPathComponent("rcpt.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    private static func makeCertificate(certificate: URL, key: URL) async throws {
        let openssl = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key.path, "-out", certificate.path, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        guard try await openssl.waitForExit(within: .seconds(60)) == 0 else {
            throw PeerFailed(what: "openssl could not make a certificate", output: openssl.stderr)
        }
    }
}

struct PeerFailed: Error, CustomStringConvertible {
    var what: String
    var output: String
    var description: String { "\(what):\n\(output)" }
}

/// One message as the peer stored it.
struct ReceivedMail: Sendable {
    /// The bytes as received (after SMTP dot-unstuffing).
    var raw: Data
    /// What Python's email package read in it.
    var parsed: ParsedMail

    var rawText: String { String(decoding: raw, as: UTF8.self) }

    /// The raw header lines (up to the first empty line), unfolded: name → values.
    var rawHeaders: [String: [String]] {
        let head = rawText.components(separatedBy: "\r\n\r\n").first ?? ""
        let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: "\t")
        var headers: [String: [String]] = [:]
        for line in unfolded.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased(), default: []].append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return headers
    }
}

/// The `.json` file `smtp_peer.py` writes next to each message.
struct ParsedMail: Decodable, Sendable {
    struct Mailbox: Decodable, Sendable, Equatable {
        var name: String
        var address: String
    }

    struct Part: Decodable, Sendable {
        var content_type: String
        var charset: String?
        var transfer_encoding: String
        var content: String
        /// The Content-Type's method parameter (text/calendar) and the attachment's file name.
        var method: String?
        var filename: String?
    }

    var mail_from: String
    var rcpt_tos: [String]
    /// Decoded header values (RFC 2047 words turned back into text), by lowercased name.
    var headers: [String: [String]]
    var addresses: [String: [Mailbox]]
    var content_type: String
    var parts: [Part]
    var defects: [String]
}

/// A real `herald-email-smtp` worker process connected to a core.
enum RunningEmailChannel {
    static var binary: URL { Binaries.program("herald-email-smtp") }

    /// Starts `herald-email-smtp --core ENDPOINT --instance NAME` with `environment`
    /// (SMTP_URL, ...) and waits until the core lists it.
    static func start(
        _ instance: String, core: RunningCore, environment: [String: String], arguments: [String] = []
    ) async throws -> ProviderChannel {
        try await ProviderChannel.start(
            "herald-email-smtp", core: core, instance: instance, environment: environment, arguments: arguments)
    }
}
