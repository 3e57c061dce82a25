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
              HERALD_CHANNEL_ENDPOINT   the core's channel endpoint (or --core)

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
