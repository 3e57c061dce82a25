import CCurl
import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// SMTPChannel in-process: deliveries the core would never produce, the
/// configuration it reads, and how SMTP results map to outcomes.
@Suite("SMTPChannel refuses what it must not send")
struct SMTPChannelTests {
    static func delivery(
        name: String = "Ada", email: String = "ada@example.com", subject: String = "Your booking",
        senderName: String = "Salon", replyTo: String = ""
    ) -> Herald_V1_Delivery {
        .with {
            $0.deliveryID = "job_01TEST"
            $0.attempt = 1
            $0.channel = "email"
            $0.recipient = .with {
                $0.name = name
                $0.email = email
            }
            $0.message = .with {
                $0.subject = subject
                $0.textBody = "Hello"
                $0.senderName = senderName
                $0.replyTo = replyTo
            }
        }
    }

    @Test func injectedDeliveriesFailBeforeAnyConnection() async throws {
        // A listening socket that nobody answers on: a connection attempt would
        // sit in its backlog, where accept() finds it.
        let listener = try Listener()
        let channel = SMTPChannel(environment: [
            "SMTP_URL": "smtp://127.0.0.1:\(listener.port)", "SMTP_FROM": "reminders@herald.example", "SMTP_TIMEOUT": "2",
        ])
        try channel.checkConfiguration()

        let hostile = [
            Self.delivery(name: "Eve\r\nBcc: evil@attacker.example"),
            Self.delivery(name: "Eve\nBcc: evil@attacker.example"),
            Self.delivery(email: "ada@example.com>\r\nRCPT TO:<evil@attacker.example"),
            Self.delivery(subject: "Hi\r\nBcc: evil@attacker.example"),
            Self.delivery(senderName: "Salon\r\nBcc: evil@attacker.example"),
            Self.delivery(replyTo: "desk@salon.example\r\nBcc: evil@attacker.example"),
        ]
        for delivery in hostile {
            let outcome = await channel.send(delivery)
            guard case .failed(let error, let code) = outcome else {
                Issue.record("\(delivery) was not refused: \(outcome)")
                continue
            }
            #expect(code == "invalid_message")
            #expect(error.contains("control character") || error.contains("not an email address"), "\(error)")
        }
        #expect(!listener.hasPendingConnection(), "the channel connected to the server for a hostile delivery")

        // The same channel does connect for a clean delivery, so the check above can fail.
        let outcome = await channel.send(Self.delivery())
        guard case .retry(_, let code, _) = outcome else {
            Issue.record("a silent server should time out into a retry, not \(outcome)")
            return
        }
        #expect(code == "curl_\(CURLE_OPERATION_TIMEDOUT.rawValue)")
        #expect(listener.hasPendingConnection())
    }

    @Test func cancellingTheTaskAbortsABlockedTransfer() async throws {
        // The server accepts the connection and never says a word; the timeout
        // is long, so only cancellation can end the send soon.
        let listener = try Listener()
        let channel = SMTPChannel(environment: [
            "SMTP_URL": "smtp://127.0.0.1:\(listener.port)", "SMTP_FROM": "reminders@herald.example", "SMTP_TIMEOUT": "300",
        ])
        let started = ContinuousClock.now
        let send = Task { await channel.send(Self.delivery()) }
        // Wait until libcurl is connected (blocked in its own thread), then cancel.
        while !listener.hasPendingConnection() {
            #expect(ContinuousClock.now - started < .seconds(60), "the channel never connected")
            if ContinuousClock.now - started > .seconds(60) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        send.cancel()
        let outcome = await send.value
        #expect(outcome == .retry(error: "cancelled before the server accepted the message", code: "cancelled"), "\(outcome)")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func aDeliveryWithoutAMessageFails() async {
        let channel = SMTPChannel(environment: ["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "reminders@herald.example"])
        var delivery = Self.delivery()
        delivery.content = nil
        #expect(await channel.send(delivery) == .failed(error: "the delivery carries no rendered message", code: "invalid_delivery"))
    }

    @Test func nobodyListeningIsARetry() async throws {
        let refusing = try RefusingPort()
        let channel = SMTPChannel(environment: ["SMTP_URL": "smtp://127.0.0.1:\(refusing.port)", "SMTP_FROM": "reminders@herald.example"])
        let outcome = await channel.send(Self.delivery())
        withExtendedLifetime(refusing) {}
        guard case .retry(let error, let code, _) = outcome else {
            Issue.record("a refused connection must be a retry, not \(outcome)")
            return
        }
        #expect(code == "curl_\(CURLE_COULDNT_CONNECT.rawValue)", "\(error)")
    }

    @Test func settingsNameTheVariableAtFault() {
        func error(_ environment: [String: String]) -> String? {
            do {
                _ = try SMTPChannel.settings(from: environment)
                return nil
            } catch {
                return error.message
            }
        }
        let good = ["SMTP_URL": "smtps://mail.example.com:465", "SMTP_FROM": "a@herald.example"]
        #expect(error(good) == nil)
        #expect(error([:]) == "SMTP_URL is not set")
        #expect(error(["SMTP_URL": "smtp://x.example"]) == "SMTP_FROM is not set")
        #expect(error(good.merging(["SMTP_URL": "ftp://x.example"]) { $1 })?.hasPrefix("SMTP_URL must be") == true)
        #expect(error(good.merging(["SMTP_URL": "smtp://u:hunter2@x.example\r\n"]) { $1 })?.contains("hunter2") == false)
        #expect(error(good.merging(["SMTP_FROM": "Herald <a@herald.example>"]) { $1 }) == nil)
        #expect(error(good.merging(["SMTP_FROM": "Herald, Inc <a@herald.example>"]) { $1 })?.hasPrefix("SMTP_FROM has ','") == true)
        #expect(error(good.merging(["SMTP_FROM": "Herald <a@herald.example>\nBcc: b@herald.example"]) { $1 })?
            .hasPrefix("SMTP_FROM contains a control character (U+000A)") == true)
        #expect(error(good.merging(["SMTP_USERNAME": "u"]) { $1 }) == "SMTP_PASSWORD is not set")
        #expect(error(good.merging(["SMTP_PASSWORD": "p"]) { $1 }) == "SMTP_USERNAME is not set")
        #expect(error(good.merging(["SMTP_CA_FILE": "/nonexistent/ca.pem"]) { $1 })?.hasPrefix("SMTP_CA_FILE") == true)
        #expect(error(good.merging(["SMTP_TIMEOUT": "0"]) { $1 })?.hasPrefix("SMTP_TIMEOUT") == true)
    }

    @Test func smtpRepliesMapToOutcomes() {
        func outcome(_ reply: Int, _ text: String = "", curl: CURLcode = CURLE_SEND_ERROR) -> Outcome {
            SMTPChannel.outcome(
                of: .failed(replyCode: reply, replyText: text, curlCode: Int(curl.rawValue), message: "RCPT failed: \(reply)"),
                messageID: "m@x")
        }
        #expect(SMTPChannel.outcome(of: .accepted, messageID: "m@x") == .sent(providerMessageID: "<m@x>"))
        #expect(outcome(451, "4.3.0 try later") == .retry(error: "4.3.0 try later (RCPT failed: 451)", code: "451"))
        #expect(outcome(421) == .retry(error: "RCPT failed: 421", code: "421"))
        #expect(outcome(550, "5.1.1 no such user") == .failed(error: "5.1.1 no such user (RCPT failed: 550)", code: "550"))
        #expect(outcome(535, curl: CURLE_LOGIN_DENIED) == .failed(error: "RCPT failed: 535", code: "535"))
        #expect(outcome(0, curl: CURLE_OPERATION_TIMEDOUT) == .retry(error: "RCPT failed: 0", code: "curl_28"))
        if case .retry(_, let code, _) = outcome(502, curl: CURLE_USE_SSL_FAILED) {
            #expect(code == "starttls_unavailable")
        } else {
            Issue.record("STARTTLS refused must be a retry")
        }
        if case .retry(_, let code, _) = outcome(0, curl: CURLE_PEER_FAILED_VERIFICATION) {
            #expect(code == "tls")
        } else {
            Issue.record("a certificate that does not verify must be a retry")
        }
    }
}

/// A TCP socket listening on 127.0.0.1 at a free port that never accepts on
/// its own; ``hasPendingConnection()`` tells whether anyone connected.
final class Listener {
    let descriptor: Int32
    let port: Int

    init() throws {
        (descriptor, port) = try bindLoopbackTCP(listening: true)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Accepts one queued connection if there is one, and keeps it open (and
    /// silent) until the listener goes away.
    func hasPendingConnection() -> Bool {
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { return false }
        accepted.append(connection)
        return true
    }

    private var accepted: [Int32] = []

    deinit {
        close(descriptor)
        for connection in accepted { close(connection) }
    }
}
