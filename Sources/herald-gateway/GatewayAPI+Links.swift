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
