// herald-chat: posts team notes to chat rooms through their incoming webhooks.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldChat: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-chat",
        abstract: "A Herald channel that posts messages to chat rooms through incoming webhooks.",
        discussion: """
            Registers for channel "chat", provider "http". Each delivery is one POST of
            {"text": "<the message's text>"} (Content-Type application/json, and
            Idempotency-Key: <delivery id>) to the recipient URL, the incoming-webhook
            URL of a Slack, Mattermost, Rocket.Chat or similar room (Discord: the
            webhook URL with /slack at the end). Route work to it
            with: herald team add TENANT --channel chat --to URL. The service has 15
            seconds to answer; redirects are not followed.

            Only http and https URLs whose host resolves to public addresses are
            called, and the connection goes to the address that was checked. Loopback,
            private, link-local and other special addresses are refused (FAILED)
            unless listed in HERALD_CHAT_ALLOW.

            Environment:
              HERALD_CHAT_ALLOW        comma-separated host names, IP addresses and CIDR
                                       blocks that may be called although not public,
                                       e.g. "chat.internal,10.1.0.0/16"
              HERALD_CHANNEL_ENDPOINT  the core's channel endpoint (or --core)

            2xx is SENT; 404 and 410 are FAILED and tell the core the webhook is gone (it
            disables the team destination); 408, 429, 5xx, timeouts and connection errors
            are RETRY (Retry-After honoured); any other status is FAILED. It needs no
            credentials, so it runs without --outbox.
            """)

    typealias Plugin = ChatPlugin
    @OptionGroup var options: ChannelOptions
}

await HeraldChat.runAsMain()
