// herald-email-smtp: the e-mail channel. Builds each message itself and
// submits it over SMTP with libcurl; the work is in HeraldChannelKit's SMTPChannel.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldEmailSMTP: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-email-smtp",
        abstract: "The Herald e-mail channel: sends each delivery as a MIME message over SMTP.",
        discussion: """
            Connects to the core as a worker of channel "email", provider "smtp". Each \
            delivery becomes an RFC 5322 message (UTF-8 text, plus HTML as \
            multipart/alternative when the core rendered one) with Message-ID \
            <delivery_id@sender-domain>, the same on every attempt.

            Environment:
              SMTP_URL       smtp://host:587 (STARTTLS required) or smtps://host:465,
                             may hold user:password@ (required)
              SMTP_FROM      the sender (required): an address, reminders@salon.example,
                             or a name and an address, Acme Salon <bookings@acme.test>,
                             "Acme, Salon" <bookings@acme.test>, or an RFC 2047 name
                             (=?UTF-8?B?...?= <bookings@acme.test>). MAIL FROM is the
                             address; the From name is the tenant's sender name, or
                             this name when the tenant has none
              SMTP_USERNAME  AUTH user name (with SMTP_PASSWORD)
              SMTP_PASSWORD  AUTH password (with SMTP_USERNAME)
              SMTP_CA_FILE   PEM file of CA certificates to trust instead of the system's
              SMTP_TIMEOUT   seconds for one submission, 1-600 (default 45)

            Outcomes: SMTP 4xx and connection or TLS trouble are retried; 5xx fail \
            with the reply code and the server's text. A name, address or subject \
            with a control character (CR, LF, ...) fails the delivery before \
            anything is sent. Without SMTP_URL or SMTP_FROM the program refuses to \
            start (exit 78) unless --outbox DIR is given.
            """)

    @OptionGroup var options: ChannelOptions

    func makePlugin(environment: [String: String]) -> SMTPChannel {
        SMTPChannel(environment: environment)
    }
}

await HeraldEmailSMTP.runAsMain()
