import Crypto
import Foundation

/// A key that signs the links Herald puts in customers' messages. One key is
/// current (it signs); a rotation makes a new current key and gives the old ones
/// a retirement date, until which links they signed still open.
public struct LinkKey: Sendable, Equatable {
    /// "lk_" and a time-ordered id (``Identifier``); named in every token it signs.
    public var id: String
    /// 32 random bytes, the HMAC-SHA256 key.
    public var secret: Data
    public var createdAt: Date
    /// nil for the current key; when set, the key signs nothing and verifies until then.
    public var retiresAt: Date?

    public init(id: String, secret: Data, createdAt: Date, retiresAt: Date? = nil) {
        self.id = id
        self.secret = secret
        self.createdAt = createdAt
        self.retiresAt = retiresAt
    }

    /// A new current key from the system's cryptographic generator.
    public static func make(at date: Date) -> LinkKey {
        LinkKey(id: Identifier.make(prefix: "lk"), secret: Base64URL.randomBytes(32), createdAt: date)
    }

    /// Whether a token it signed is still accepted at `date`.
    public func verifies(at date: Date) -> Bool { retiresAt.map { date < $0 } ?? true }
}

/// What a link lets its holder do, signed into the link itself: nothing in it can
/// be changed without the key, so the gateway's pages need no login.
public struct LinkClaim: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// Stop follow-up e-mails to `recipient` (RFC 8058 one-click unsubscribe).
        case unsubscribe
        /// Confirm the booking (a pending one).
        case confirm
        /// Cancel the booking.
        case cancel
    }

    public var action: Action
    public var tenantID: String
    /// The booking whose message carried the link.
    public var bookingID: String
    public var channel: String
    public var recipient: String
    /// The link opens nothing from then on.
    public var expiresAt: Date
    /// For confirm and cancel: the booking's schedule version when the link was made;
    /// after a reschedule the link says the time has changed instead of acting.
    public var scheduleVersion: Int?

    public init(
        action: Action, tenantID: String, bookingID: String, channel: String, recipient: String, expiresAt: Date,
        scheduleVersion: Int? = nil
    ) {
        self.action = action
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.channel = channel
        self.recipient = recipient
        self.expiresAt = expiresAt
        self.scheduleVersion = scheduleVersion
    }

    // Short names: the token travels in a URL in every message.
    enum CodingKeys: String, CodingKey {
        case action = "a", tenantID = "t", bookingID = "b", channel = "c", recipient = "r", expiresAt = "e"
        case scheduleVersion = "v"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(Action.self, forKey: .action)
        tenantID = try container.decode(String.self, forKey: .tenantID)
        bookingID = try container.decode(String.self, forKey: .bookingID)
        channel = try container.decode(String.self, forKey: .channel)
        recipient = try container.decode(String.self, forKey: .recipient)
        expiresAt = Date(timeIntervalSince1970: TimeInterval(try container.decode(Int64.self, forKey: .expiresAt)))
        scheduleVersion = try container.decodeIfPresent(Int.self, forKey: .scheduleVersion)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(tenantID, forKey: .tenantID)
        try container.encode(bookingID, forKey: .bookingID)
        try container.encode(channel, forKey: .channel)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(Int64(expiresAt.timeIntervalSince1970.rounded(.up)), forKey: .expiresAt)
        try container.encodeIfPresent(scheduleVersion, forKey: .scheduleVersion)
    }
}

/// Signed links: `<key id>.<base64url of the claim's JSON>.<base64url of its
/// HMAC-SHA256>`, the MAC over the key id and the claim together, so a claim cannot
/// be moved under another key. Only URL-safe characters.
public enum LinkToken {
    /// Why a token opens nothing. The page says which, in words a customer can act on.
    public enum Refusal: Error, Sendable, Equatable {
        /// Not a token Herald made: cut short, altered, or signed with a key it never had.
        case invalid
        /// Signed with a key that has retired since.
        case retired
        /// Past its expiry.
        case expired
    }

    /// Tokens longer than this are refused before any work (a URL path segment).
    public static let maxLength = 1024

    public static func sign(_ claim: LinkClaim, with key: LinkKey) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A claim is strings, an enum and a number: encoding cannot fail.
        let payload = Base64URL.encode((try? encoder.encode(claim)) ?? Data())
        return key.id + "." + payload + "." + Base64URL.encode(mac(key.id + "." + payload, key.secret))
    }

    /// The claim of `token` if one of `keys` signed it, that key still verifies and the
    /// claim has not expired at `date`.
    public static func verify(_ token: String, keys: [LinkKey], at date: Date) -> Result<LinkClaim, Refusal> {
        guard token.utf8.count <= maxLength else { return .failure(.invalid) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let key = keys.first(where: { $0.id == parts[0] }),
              let signature = Base64URL.decode(parts[2]),
              HMAC<SHA256>.isValidAuthenticationCode(
                  signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: SymmetricKey(data: key.secret)),
              let json = Base64URL.decode(parts[1]),
              let claim = try? JSONDecoder().decode(LinkClaim.self, from: json)
        else { return .failure(.invalid) }
        guard key.verifies(at: date) else { return .failure(.retired) }
        guard date < claim.expiresAt else { return .failure(.expired) }
        return .success(claim)
    }

    static func mac(_ text: String, _ secret: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: secret)))
    }
}
