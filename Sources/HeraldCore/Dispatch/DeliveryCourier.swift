import Foundation
import HeraldBus
import HeraldProto

/// Renders leased batches and sends their deliveries, on a task of its own, in the
/// order the loop handed them over.
///
/// Rendering is most of what a delivery costs the core and needs nothing of the
/// loop's state, so the loop hands a leased batch over and goes on with its next
/// turn: the next transaction (on the database's thread) and the rendering of this
/// batch run at the same time on a 2-core machine. A large batch is also split in
/// two, half rendered on another thread.
///
/// A batch handed over is in its worker's credit and leased in the store already;
/// if the core stops before it is sent, its leases are given back when the core
/// starts again, as after a crash.
final class DeliveryCourier: Sendable {
    struct Batch: Sendable {
        var peer: Data
        /// The worker's provider, for jobs that name none.
        var provider: String
        var leased: [LeasedJob]
    }

    /// Batches in order; nil once the loop has stopped.
    private let queue = Mailbox<Batch?>()
    private let endpoint: RouterEndpoint
    private let renderer: MessageRenderer
    /// Signs the links follow-up e-mails carry; nil without `heraldd --public-url`.
    private let links: LinkMaker?

    init(endpoint: RouterEndpoint, renderer: MessageRenderer, links: LinkMaker? = nil) {
        self.endpoint = endpoint
        self.renderer = renderer
        self.links = links
    }

    func hand(_ batch: Batch) { queue.post(batch) }

    /// No more batches: ``run()`` returns once it has sent what it holds.
    func finish() { queue.post(nil) }

    func run() async {
        while true {
            for item in queue.drain() {
                guard let batch = item else { return }
                let signer = await Self.signer(for: batch.leased, links: links)
                for delivery in await Self.makeDeliveries(batch.leased, provider: batch.provider, renderer: renderer, signer: signer) {
                    endpoint.send(to: batch.peer, frames: [Herald_V1_CoreMessage.OneOf_Body.delivery(delivery).frame])
                }
            }
            // Cancelled only when the whole dispatcher is torn down without a
            // graceful stop; then what is left goes back to the queue at the next start.
            if Task.isCancelled { return }
            await queue.wait(sleep: nil)
        }
    }

    /// What signs a batch's links: nil unless links are on and the batch has a message
    /// that may carry one (a follow-up e-mail; a confirmation, reminder or reschedule
    /// notice of a tenant with customer links), so other batches never wait for the keys.
    /// Without a key (the store is down) the message goes without its link.
    static func signer(for leased: [LeasedJob], links: LinkMaker?) async -> LinkSigner? {
        guard let links, leased.contains(where: LinkMaker.mayCarryLinks),
              let key = try? await links.keyring.signingKey()
        else { return nil }
        return LinkSigner(maker: links, key: key, now: Date())
    }

    /// Builds (renders) a leased batch's deliveries, in input order; a large batch
    /// is split in two and half of it rendered on another thread.
    static func makeDeliveries(
        _ leased: [LeasedJob], provider: String, renderer: MessageRenderer, signer: LinkSigner? = nil
    ) async -> [Herald_V1_Delivery] {
        func build(_ slice: ArraySlice<LeasedJob>) -> [Herald_V1_Delivery] {
            slice.map { makeDelivery($0, provider: provider, renderer: renderer, signer: signer) }
        }
        guard leased.count >= 64 else { return build(leased[...]) }
        let middle = leased.count / 2
        async let head = build(leased[..<middle])
        let tail = build(leased[middle...])
        return await head + tail
    }

    static func makeDelivery(
        _ leased: LeasedJob, provider: String, renderer: MessageRenderer, signer: LinkSigner? = nil
    ) -> Herald_V1_Delivery {
        let job = leased.job
        let booking = leased.booking
        return .with {
            $0.deliveryID = job.id
            $0.attempt = UInt32(job.attempt)
            $0.tenantID = job.tenantID
            $0.bookingID = job.bookingID
            $0.kind = job.kind.proto
            $0.channel = job.channel
            $0.provider = job.provider ?? provider
            $0.recipient = .with { recipient in
                switch job.kind {
                case .hostNotification, .webhook: break
                default: recipient.name = booking.customerName
                }
                switch job.channel {
                case "email": recipient.email = job.recipient
                case "sms", "whatsapp": recipient.phone = job.recipient
                default: break
                }
                recipient.address = job.recipient
            }
            if job.kind == .webhook, let subscription = leased.subscription, let event = leased.event {
                $0.webhook = .with { webhook in
                    webhook.subscriptionID = subscription.id
                    webhook.url = subscription.url
                    webhook.secret = subscription.secret
                    webhook.body = WebhookPayload.body(for: event)
                    webhook.eventType = event.type.rawValue
                }
            } else if job.kind == .webhook, let subscription = leased.subscription, let payload = job.payload {
                // A delivery status's event: its body was fixed when the receipt came.
                $0.webhook = .with { webhook in
                    webhook.subscriptionID = subscription.id
                    webhook.url = subscription.url
                    webhook.secret = subscription.secret
                    webhook.body = Data(payload.utf8)
                    webhook.eventType = WebhookPayload.type(of: payload) ?? ""
                }
            } else if let settings = leased.settings {
                $0.message = renderer.render(
                    kind: job.kind, channel: job.channel, booking: booking, settings: settings,
                    eventType: leased.eventType, reminderOffsetMinutes: job.reminderOffsetMinutes,
                    template: leased.template, unsubscribeURL: signer?.unsubscribeURL(for: job),
                    links: signer?.bookingLinks(for: job, booking: booking, settings: settings) ?? BookingLinks())
            }
            if let notAfter = job.notAfter { $0.notAfterMs = Int64(notAfter.timeIntervalSince1970 * 1000) }
            $0.reminderOffsetMinutes = UInt32(job.reminderOffsetMinutes)
            $0.scheduleVersion = UInt32(job.scheduleVersion)
            $0.account = job.account
        }
    }
}
