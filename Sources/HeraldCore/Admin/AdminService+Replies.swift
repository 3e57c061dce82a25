import Foundation
import HeraldProto

extension AdminService {
    /// Customers' replies that are not opt-outs: a word of a tenant's
    /// `reply_confirm_keywords` confirms, one of its `reply_cancel_keywords` cancels,
    /// the sender's next upcoming booking with that tenant, through the normal booking
    /// path (its event, notices and webhooks). A reply that matches nothing, or more
    /// than one tenant, is logged and changes nothing (``ReplyKeywords``).
    public func handleReplies(_ messages: [InboundMessage]) async {
        for message in messages where message.meaning == nil {
            let word = ReplyMeaning.word(message.text)
            do {
                let upcoming = try await store.upcomingBookings(customerPhone: message.from, after: clock.now(), limit: 50)
                var settings: [String: NotificationSettings] = [:]
                for tenant in Set(upcoming.map(\.tenantID)) { settings[tenant] = try await store.settings(tenantID: tenant) }
                switch ReplyKeywords.decide(text: message.text, upcoming: upcoming, settings: settings) {
                case .confirm(let booking):
                    guard booking.status == .pending else {
                        logger.info("a confirming reply for a booking already confirmed", metadata: ["booking": "\(booking.id)"])
                        continue
                    }
                    _ = try await setBookingStatus(.with {
                        $0.id = booking.id
                        $0.status = .confirmed
                    })
                    logger.notice("a customer confirmed by reply", metadata: [
                        "tenant": "\(booking.tenantID)", "booking": "\(booking.id)", "channel": "\(message.channel)",
                    ])
                case .cancel(let booking):
                    _ = try await cancelBooking(.with {
                        $0.id = booking.id
                        $0.reason = "the customer replied \(word.prefix(20)) by \(message.channel)"
                    })
                    logger.notice("a customer cancelled by reply", metadata: [
                        "tenant": "\(booking.tenantID)", "booking": "\(booking.id)", "channel": "\(message.channel)",
                    ])
                case .none(let reason):
                    logger.info("a reply changed no booking", metadata: ["reason": "\(reason)", "channel": "\(message.channel)"])
                }
            } catch {
                logger.warning("a reply could not be applied", metadata: ["error": "\(error)", "channel": "\(message.channel)"])
            }
        }
    }
}
