// herald-sms-vonage: sends each SMS through Vonage's SMS API.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldSMSVonage: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-sms-vonage",
        abstract: "A Herald channel that sends SMS through Vonage's SMS API.",
        discussion: """
            Registers for channel "sms", provider "vonage". Each delivery becomes one
            POST {VONAGE_API_BASE}/sms/json, form-encoded api_key, api_secret, from,
            to (digits, no +), text, type=unicode when the text is not GSM-7, and
            client-ref = the delivery id.

            Environment:
              VONAGE_API_KEY           the API key (required)
              VONAGE_API_SECRET        the API secret (required; never logged)
              VONAGE_NUMBER            the sender number or alphanumeric id (required)
              VONAGE_API_BASE          default https://rest.nexmo.com (a local test peer, say)
              VONAGE_SIGNATURE_SECRET  the account's signature secret: delivery receipts must
                                       then carry a valid sig (never logged)
              VONAGE_SIGNATURE_METHOD  md5hash (default), md5, sha1, sha256 or sha512, as set
                                       in the dashboard
              HERALD_CHANNEL_ENDPOINT  the core's channel endpoint (or --core)
              HERALD_CALLBACK_LISTEN   where to take delivery receipts (or --callback-listen)
              HERALD_CALLBACK_URL      their public URL (or --callback-url)

            With --callback-url URL each message asks for delivery receipts at URL/status
            (callback). Receipts (GET, form POST or JSON POST) must name this account's
            api-key and, when VONAGE_SIGNATURE_SECRET is set, carry a valid sig with a
            timestamp within 5 minutes, or are refused with 403. The part's status
            (accepted, buffered, delivered, expired, failed, rejected, with err-code)
            goes to the core; Vonage is answered 200 once the core has it (503
            otherwise, and Vonage tries again).

            Vonage answers HTTP 200; status "0" on every part is SENT (the message
            ids), 1, 5 and 10 are RETRY, any other status is FAILED with Vonage's
            error-text. Without credentials it refuses to start (exit 78) unless
            --outbox DIR is given.
            """)

    typealias Plugin = VonagePlugin
    @OptionGroup var options: ChannelOptions
}

await HeraldSMSVonage.runAsMain()
