import Foundation

/// How the core shows a recipient to admins (CLI, gateway, event stream).
///
/// A chat service's incoming-webhook URL is its own credential: whoever has
/// `https://hooks.slack.com/services/T000/B000/XXXX` can post to the room. So a
/// URL recipient of a custom channel (`chat` and plugins' channels) is shown as
/// its scheme and host and, when enough is hidden, the last four characters:
/// `https://hooks.slack.com/…XXXX`. The full URL is stored and handed to the
/// channel; it is never printed after `herald team add` takes it. Addresses,
/// phone numbers and webhook subscription URLs (signed with their own secret)
/// are shown as they are.
public enum RecipientDisplay {
    public static func shown(_ recipient: String, channel: String) -> String {
        guard ChannelName.isCustom(channel), let components = URLComponents(string: recipient),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.percentEncodedHost, !host.isEmpty
        else { return recipient }
        let origin = scheme + "://" + host + (components.port.map { ":\($0)" } ?? "")
        let hidden = recipient.hasPrefix(origin) ? recipient.dropFirst(origin.count) : ""
        let tail = hidden.count >= 16 ? String(hidden.suffix(4)) : ""
        return origin + "/…" + tail
    }
}
