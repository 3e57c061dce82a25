// herald-webhook: delivers booking events to webhook subscribers, signed.
import ArgumentParser
import Foundation
import HeraldChannelKit

struct HeraldWebhook: ChannelCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-webhook",
        abstract: "A Herald channel that POSTs booking events to webhook subscribers, signed the Standard Webhooks way.",
        discussion: """
            Registers for channel "webhook", provider "http". Each delivery is one POST
            of the JSON body the core built, unchanged, with Content-Type
            application/json and the headers webhook-id (the delivery id, the same on
            every retry), webhook-timestamp (Unix seconds) and webhook-signature
            (v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed by the subscription's
            whsec_ secret). Subscribers have 15 seconds to answer; redirects are not
            followed.

            Only http and https URLs whose host resolves to public addresses are
            called, and the connection goes to the address that was checked. Loopback,
            private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
            fe80::/10), unspecified, carrier-grade NAT (100.64/10) and other special
            addresses are refused (FAILED) unless listed in HERALD_WEBHOOK_ALLOW.

            Environment:
              HERALD_WEBHOOK_ALLOW     comma-separated host names, IP addresses and CIDR
                                       blocks that may be called although not public,
                                       e.g. "hooks.internal,10.1.0.0/16,::1"
              HERALD_CHANNEL_ENDPOINT  the core's channel endpoint (or --core)

            2xx is SENT; 410 is FAILED and tells the core the subscriber is gone (it
            disables the subscription); 408, 429, 5xx, timeouts and connection errors
            are RETRY (retry-after honoured); any other status is FAILED. It needs no
            credentials, so it runs without --outbox.
            """)

    typealias Plugin = WebhookPlugin
    @OptionGroup var options: ChannelOptions
}

await HeraldWebhook.runAsMain()
