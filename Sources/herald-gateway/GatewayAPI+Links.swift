import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

extension GatewayAPI {
    /// The public pages of signed links in customers' messages, without an API key:
    /// the link's signature is the authority. GET shows what the link does and a
    /// button; only POST acts (mail scanners and link previews follow GET). RFC 8058's
    /// one-click POST (`List-Unsubscribe=One-Click`) is that same POST.
    func addLinkRoutes(to router: Router<GatewayContext>) {
        router.get("links/:token") { _, context in
            await linkPage(context.parameters.get("token") ?? "", following: false).response
        }
        router.post("links/:token") { _, context in
            await linkPage(context.parameters.get("token") ?? "", following: true).response
        }
    }

    private func linkPage(_ token: String, following: Bool) async -> Reply {
        do {
            let request = Herald_V1_LinkRequest.with { $0.token = token }
            let answer = following ? try await core.admin.followLink(request) : try await core.admin.describeLink(request)
            return LinkPage.reply(answer, followed: following)
        } catch {
            return LinkPage.unavailable()
        }
    }
}

/// The HTML of the link pages: plain, no script, readable on a phone, the one
/// control a labelled button. Every value from the core is escaped.
enum LinkPage {
    static func reply(_ answer: Herald_V1_LinkAnswer, followed: Bool) -> Reply {
        if answer.action == "confirm" || answer.action == "cancel" { return bookingReply(answer, followed: followed) }
        let business = escape(answer.businessName), recipient = escape(answer.recipient)
        switch answer.state {
        case "open" where followed:
            return page(.ok, title: "You are unsubscribed", body: """
                <p>\(business) will send no more follow-up e-mails to <strong>\(recipient)</strong>.</p>
                <p>Confirmations and reminders of your appointments still come.</p>
                """)
        case "open":
            return page(.ok, title: "Unsubscribe from follow-up e-mails", body: """
                <p>\(business) will stop sending follow-up e-mails to <strong>\(recipient)</strong>.
                Confirmations and reminders of your appointments still come.</p>
                <form method="post"><button type="submit">Unsubscribe</button></form>
                """)
        case "done":
            return page(.ok, title: "You are unsubscribed", body: """
                <p>\(business) sends no follow-up e-mails to <strong>\(recipient)</strong> already.</p>
                """)
        case "expired":
            return page(.gone, title: "This link has expired", body: """
                <p>The link is too old to use. A newer message from the business has a link that works.</p>
                """)
        default:
            return page(.notFound, title: "This link is not valid", body: """
                <p>The link may have been cut short or changed when it was copied. Open it again from the message.</p>
                """)
        }
    }

    /// The pages of confirm and cancel links: the appointment, and one button.
    static func bookingReply(_ answer: Herald_V1_LinkAnswer, followed: Bool) -> Reply {
        let confirming = answer.action == "confirm"
        let business = escape(answer.businessName)
        let appointment = """
            <dl>
            <dt>With</dt><dd>\(business)</dd>
            \(answer.service.isEmpty ? "" : "<dt>Service</dt><dd>\(escape(answer.service))</dd>\n")<dt>When</dt><dd>\(escape(answer.when))</dd>
            </dl>
            """
        switch answer.state {
        case "open" where followed:
            return page(.ok, title: confirming ? "Your appointment is confirmed" : "Your appointment is cancelled", body: appointment
                + (confirming ? "<p>Thank you. See you then.</p>" : "<p>\(business) has been told. We hope to see you another time.</p>"))
        case "open":
            return page(.ok, title: confirming ? "Confirm your appointment" : "Cancel your appointment", body: appointment + """
                <form method="post"><button type="submit">\(confirming ? "Confirm appointment" : "Cancel appointment")</button></form>
                """)
        case "done":
            return page(.ok, title: confirming ? "Your appointment is confirmed" : "Your appointment is cancelled",
                        body: appointment + "<p>Nothing more to do.</p>")
        case "changed":
            return page(.conflict, title: "The time of this appointment has changed", body: appointment + """
                <p>This link was for the earlier time. Use the link in the newest message from \(business).</p>
                """)
        case "closed":
            return page(.conflict, title: confirming ? "This appointment can no longer be confirmed" : "This appointment can no longer be cancelled",
                        body: appointment + "<p>Please contact \(business) directly.</p>")
        case "expired":
            return page(.gone, title: "This link has expired", body: """
                <p>The appointment has begun, or the link is too old. Please contact the business directly.</p>
                """)
        default:
            return page(.notFound, title: "This link is not valid", body: """
                <p>The link may have been cut short or changed when it was copied. Open it again from the message.</p>
                """)
        }
    }

    static func unavailable() -> Reply {
        page(.serviceUnavailable, title: "Please try again", body: "<p>This page cannot be shown right now. Please try again in a few minutes.</p>")
    }

    static func page(_ status: HTTPResponse.Status, title: String, body: String) -> Reply {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>\(title)</title>
            <style>
            body { font: 1.125rem/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; margin: 0; }
            main { max-width: 32rem; margin: 0 auto; padding: 2rem 1.25rem; }
            h1 { font-size: 1.5rem; line-height: 1.25; }
            dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
            dt { font-weight: 600; } dd { margin: 0; }
            button { font: inherit; color: #fff; background: #0b57d0; border: 0; border-radius: .375rem;
                     padding: .75rem 1.5rem; min-height: 3rem; cursor: pointer; }
            button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
            </style>
            </head>
            <body>
            <main>
            <h1>\(title)</h1>
            \(body)
            </main>
            </body>
            </html>

            """
        return Reply(status: status, body: Data(html.utf8), contentType: "text/html; charset=utf-8")
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
