// herald-sms-twilio: sends each SMS through Twilio's Messages API.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldSMSTwilio: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-sms-twilio",
        abstract: "A Herald channel that sends SMS through Twilio's Messages API.",
        discussion: """
            Registers for channel "sms", provider "twilio". Each delivery becomes one
            POST {TWILIO_API_BASE}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json
            (To, From or MessagingServiceSid, Body; Basic auth with the account SID and
            auth token, or with the API key's SID and secret when one is given).

            Environment:
              TWILIO_ACCOUNT_SID            the account (required)
              TWILIO_AUTH_TOKEN             its auth token (required, but for an API key without callbacks; never logged)
              TWILIO_API_KEY_SID            an API key of the account (SK...) to sign in with instead of the token
              TWILIO_API_KEY_SECRET         its secret (with the SID; never logged)
              TWILIO_PHONE_NUMBER           the sender number, E.164 (this or the next is required)
              TWILIO_MESSAGING_SERVICE_SID  a Messaging Service to send from instead (wins over the number)
              TWILIO_API_BASE               default https://api.twilio.com (a local test peer, say)
              HERALD_CHANNEL_ENDPOINT       the core's channel endpoint (or --core)
              HERALD_CALLBACK_LISTEN        where to take Twilio's status callbacks (or --callback-listen)
              HERALD_CALLBACK_URL           their public URL (or --callback-url)

            With --callback-url URL each message asks for status callbacks at URL/status
            (StatusCallback). They must pass X-Twilio-Signature (signed with the auth
            token over URL/status and the posted fields) or are refused with 403; the
            message's delivery status (sent, delivered, undelivered with Twilio's
            ErrorCode, read) goes to the core, and Twilio is answered 200 once the
            core has it (503 otherwise, and Twilio may try again).

            201 is SENT with the message sid; 429, error 20429 and 5xx are RETRY
            (Retry-After honoured); any other 4xx is FAILED with Twilio's code and
            message. Without credentials it refuses to start (exit 78) unless
            --outbox DIR is given.
            """)

    typealias Plugin = TwilioPlugin
    @OptionGroup var options: ChannelOptions
}

await HeraldSMSTwilio.runAsMain()
