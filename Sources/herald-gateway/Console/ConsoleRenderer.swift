import Foundation
import Hummingbird
import Mustache

/// The console's pages: the Mustache templates compiled into the binary
/// (Console/Templates, `PackageResources`), rendered with HTML escaping, which
/// swift-mustache applies to every `{{value}}`; the templates use no `{{{raw}}}`.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    /// Every template by the name pages and partials use.
    static let sources: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "sign-in": PackageResources.sign_in_mustache,
        "error": PackageResources.error_mustache,
        "bookings": PackageResources.bookings_mustache,
        "booking": PackageResources.booking_mustache,
        "confirm": PackageResources.confirm_mustache,
        "log": PackageResources.log_mustache,
        "log-rows": PackageResources.log_rows_mustache,
        "channels": PackageResources.channels_mustache,
        "attention": PackageResources.attention_mustache,
        "settings": PackageResources.settings_mustache,
        "templates": PackageResources.templates_mustache,
        "template": PackageResources.template_mustache,
    ]

    static let stylesheet = Data(PackageResources.console_css)

    /// Parses every template; a broken one stops the gateway at start, not a page later.
    init() throws {
        library = MustacheLibrary(templates: try Self.sources.mapValues { bytes in
            try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self))
        })
    }

    func render(_ template: String, _ view: Any) -> String {
        guard let html = library.render(view, withTemplate: template) else {
            preconditionFailure("no console template \(template)")
        }
        return html
    }

    /// The security headers of every console answer: no script and nothing from
    /// elsewhere (the CSP), no framing, no caching of pages with customers' data.
    static func headers(contentType: String) -> HTTPFields {
        [
            .contentType: contentType,
            .contentSecurityPolicy:
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            .xContentTypeOptions: "nosniff",
            // What frame-ancestors says, for browsers that predate it.
            .xFrameOptions: "DENY",
            .referrerPolicy: "same-origin",
            .cacheControl: "no-store",
        ]
    }
}

extension HTTPFields.Element.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
