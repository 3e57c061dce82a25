import Foundation

/// The link keys one core uses, read from the store and kept for a minute: the
/// current key signs links as deliveries are handed out, any key that still
/// verifies opens them. A core that finds no key makes the first one. With several
/// cores on one database, a token signed under a key this core has not seen yet
/// (another core rotated) makes it read the keys again at once.
public actor LinkKeyring {
    private let store: any AdminStore
    private let clock: any WallClock
    private var keys: [LinkKey] = []
    private var loadedAt: Date?
    /// How long keys read from the store are used before they are read again.
    static let freshFor: TimeInterval = 60
    /// The shortest time between two reads for a token under an unknown key.
    static let unknownKeyReread: TimeInterval = 5

    public init(store: any AdminStore, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
    }

    /// The key that signs new links.
    public func signingKey() async throws -> LinkKey {
        let now = clock.now()
        if let loadedAt, now.timeIntervalSince(loadedAt) < Self.freshFor, let current = keys.first, current.retiresAt == nil {
            return current
        }
        try await load(at: now)
        guard let current = keys.first, current.retiresAt == nil else {
            throw StoreError.conflict("no current link key after making one")
        }
        return current
    }

    /// The claim of `token`, or why it opens nothing.
    public func verify(_ token: String) async throws -> Result<LinkClaim, LinkToken.Refusal> {
        let now = clock.now()
        // Keys read a minute ago or more are read again: another core may have rotated
        // without grace, and its retired key must stop opening links here too.
        if loadedAt.map({ now.timeIntervalSince($0) >= Self.freshFor }) ?? true { try await load(at: now) }
        let result = LinkToken.verify(token, keys: keys, at: now)
        // A key this core has not seen (another core rotated): read the keys again, but
        // not more than every few seconds, so made-up key ids cannot make every request
        // of a flood read the database.
        if case .failure(.invalid) = result, let id = token.split(separator: ".").first, !keys.contains(where: { $0.id == id }),
           loadedAt.map({ now.timeIntervalSince($0) >= Self.unknownKeyReread }) ?? true {
            try await load(at: now)
            return LinkToken.verify(token, keys: keys, at: now)
        }
        return result
    }

    /// Every key, the current one first.
    public func all() async throws -> [LinkKey] {
        try await load(at: clock.now())
        return keys
    }

    /// A new current key; the old one opens its links until `grace` from now.
    public func rotate(grace: TimeInterval) async throws -> [LinkKey] {
        let now = clock.now()
        keys = try await store.rotateLinkKeys(to: .make(at: now), retiring: now.addingTimeInterval(grace), now: now)
        loadedAt = now
        return keys
    }

    private func load(at now: Date) async throws {
        var loaded = try await store.linkKeys()
        if loaded.first?.retiresAt != nil || loaded.isEmpty {
            loaded = try await store.addLinkKeyIfNone(.make(at: now))
        }
        keys = loaded
        loadedAt = now
    }
}

/// What a core needs to put signed links in messages: the gateway's public base URL
/// (`heraldd --public-url`) and the keys.
public struct LinkMaker: Sendable {
    public let publicURL: String
    public let keyring: LinkKeyring
    /// How long an unsubscribe link opens (RFC 8058 asks that it keep working; mail
    /// is read months later).
    public static let unsubscribeLifetime: TimeInterval = 365 * 24 * 3600

    public init(publicURL: String, keyring: LinkKeyring) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.keyring = keyring
    }

    /// The page of a link: `<public URL>/links/<token>`.
    public func url(_ claim: LinkClaim, key: LinkKey) -> String {
        publicURL + "/links/" + LinkToken.sign(claim, with: key)
    }

    /// The one-click unsubscribe link of a follow-up e-mail, nil for any other message.
    public func unsubscribeURL(for job: NotificationJob, key: LinkKey, now: Date) -> String? {
        guard job.kind == .followUp, job.channel == "email", job.subscriptionID == nil, job.teamDestinationID == nil else {
            return nil
        }
        return url(LinkClaim(
            action: .unsubscribe, tenantID: job.tenantID, bookingID: job.bookingID, channel: job.channel,
            recipient: job.recipient, expiresAt: now.addingTimeInterval(Self.unsubscribeLifetime)), key: key)
    }
}

/// A ``LinkMaker`` with the key and time of one batch of deliveries.
struct LinkSigner: Sendable {
    let maker: LinkMaker
    let key: LinkKey
    let now: Date

    func unsubscribeURL(for job: NotificationJob) -> String? { maker.unsubscribeURL(for: job, key: key, now: now) }

    func bookingLinks(for job: NotificationJob, booking: Booking, settings: NotificationSettings) -> BookingLinks {
        maker.bookingLinks(for: job, booking: booking, settings: settings, key: key, now: now)
    }
}

/// The confirm and cancel links of one message; nil where the message has none.
public struct BookingLinks: Sendable, Equatable {
    public var confirmURL: String?
    public var cancelURL: String?

    public init(confirmURL: String? = nil, cancelURL: String? = nil) {
        self.confirmURL = confirmURL
        self.cancelURL = cancelURL
    }
}

extension LinkMaker {
    /// The kinds of customer messages that carry confirm and cancel links: those that
    /// come before the appointment and are about it as it stands.
    static let bookingLinkKinds: Set<NotificationKind> = [.confirmation, .reminder, .reschedule]

    /// A customer message's confirm and cancel links, when the tenant turned them on
    /// (`customer_links`): confirm while the booking is pending, cancel while it is
    /// pending or confirmed. Each opens for this booking, this action and this time
    /// only (its schedule version), until the start.
    public func bookingLinks(
        for job: NotificationJob, booking: Booking, settings: NotificationSettings, key: LinkKey, now: Date
    ) -> BookingLinks {
        guard settings.customerLinks, Self.bookingLinkKinds.contains(job.kind), job.subscriptionID == nil,
              job.teamDestinationID == nil, now < booking.startAt
        else { return BookingLinks() }
        func link(_ action: LinkClaim.Action) -> String {
            url(LinkClaim(
                action: action, tenantID: booking.tenantID, bookingID: booking.id, channel: job.channel,
                recipient: job.recipient, expiresAt: booking.startAt, scheduleVersion: booking.scheduleVersion), key: key)
        }
        return BookingLinks(
            confirmURL: booking.status == .pending ? link(.confirm) : nil,
            cancelURL: booking.status == .pending || booking.status == .confirmed ? link(.cancel) : nil)
    }

    /// Whether a leased job's message may carry a link, so its batch needs the key.
    static func mayCarryLinks(_ leased: LeasedJob) -> Bool {
        let job = leased.job
        if job.kind == .followUp && job.channel == "email" { return true }
        return bookingLinkKinds.contains(job.kind) && leased.settings?.customerLinks == true
    }
}
