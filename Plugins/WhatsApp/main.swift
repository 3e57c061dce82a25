// herald-whatsapp: sends WhatsApp messages in the Cloud API's shape.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldWhatsApp: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-whatsapp",
        abstract: "A Herald channel that sends WhatsApp messages through the WhatsApp Cloud API.",
        discussion: """
            Registers for channel "whatsapp", provider "whatsapp-cloud". Each delivery
            becomes one POST {WHATSAPP_API_BASE}/{WHATSAPP_API_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages
            with a Bearer token: a template message (name, language, body parameters)
            when the rendered message names a template, which is how a business starts
            a conversation, else a text message.

            Environment:
              WHATSAPP_TOKEN            the access token (required; never logged)
              WHATSAPP_PHONE_NUMBER_ID  the sending phone number's id (required)
              WHATSAPP_API_BASE         e.g. https://graph.facebook.com (required)
              WHATSAPP_API_VERSION      default v21.0
              WHATSAPP_APP_SECRET       the Meta app's secret, which signs webhooks (required
                                        with --callback-url; never logged)
              WHATSAPP_VERIFY_TOKEN     the token of the webhook's subscription handshake
                                        (required with --callback-url; never logged)
              HERALD_CHANNEL_ENDPOINT   the core's channel endpoint (or --core)
              HERALD_CALLBACK_LISTEN    where to take the webhook (or --callback-listen)
              HERALD_CALLBACK_URL       its public URL (or --callback-url)

            With --callback-url URL, set URL/webhook as the app's callback URL in Meta's
            dashboard (with WHATSAPP_VERIFY_TOKEN); the listener answers the GET
            handshake, refuses a POST whose X-Hub-Signature-256 is missing or wrong
            (403), and forwards each status (sent, delivered, read, failed with its
            error code) to the core, answering 200 once the core has them (503
            otherwise, and Meta tries again).

            2xx is SENT with messages[0].id; HTTP 429, 5xx and the rate-limit codes
            4, 80007, 130429, 131048 and 131056 are RETRY; 131047 (outside the
            24-hour window) and every other error are FAILED with the code and
            message. Without these variables it refuses to start (exit 78) unless
            --outbox DIR is given.
            """)

    typealias Plugin = WhatsAppPlugin
    @OptionGroup var options: ChannelOptions
}

await HeraldWhatsApp.runAsMain()
