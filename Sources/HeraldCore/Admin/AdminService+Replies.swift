import Foundation
import HeraldProto
import Logging
import Synchronization

extension AdminService {
    /// Acts on customers' kept replies (``PendingReply``), oldest first: a word of a
    /// tenant's `reply_confirm_keywords` confirms, one of its `reply_cancel_keywords`
    /// cancels, the sender's next upcoming booking with that tenant, through the normal
    /// booking path (its event, notices and webhooks). A reply that matches nothing, or
    /// more than one tenant, is logged and changes nothing (``ReplyKeywords``).
    ///
    /// Runs once at a time; a call while it runs makes it look again when done. When
    /// the store cannot be written the replies stay, and it tries again 30 s later.
    /// The core calls it when a channel's report kept replies, and when it starts.
    public func processReplies() async {
        guard replyRun.begin() else { return }
        repeat {
            do {
                var pending: [PendingReply]
                repeat {
                    pending = try await store.pendingReplies(limit: Self.replyBatch)
                    for reply in pending { try await act(on: reply) }
                } while pending.count == Self.replyBatch
            } catch {
                logger.warning("replies could not be acted on; trying again in 30 s", metadata: ["error": "\(error)"])
                let retryAt = clock.now().addingTimeInterval(30)
                Task {
                    await clock.sleep(until: retryAt)
                    await processReplies()
                }
            }
        } while replyRun.next()
    }

    static let replyBatch = 100

    /// Decides the reply's booking (once: a stored decision is kept), acts on it, and
    /// forgets the reply. Throws, keeping the reply, only when the store cannot be used.
    private func act(on reply: PendingReply) async throws {
        let message = reply.message
        var decision = reply.decision
        if decision == nil {
            let upcoming = try await store.upcomingBookings(customerPhone: message.from, after: clock.now(), limit: 50)
            var settings: [String: NotificationSettings] = [:]
            for tenant in Set(upcoming.map(\.tenantID)) { settings[tenant] = try await store.settings(tenantID: tenant) }
            switch ReplyKeywords.decide(text: message.text, upcoming: upcoming, settings: settings) {
            case .confirm(let booking):
                decision = try await store.decideReply(id: reply.id, .init(bookingID: booking.id, action: .confirm))?.decision
            case .cancel(let booking):
                decision = try await store.decideReply(id: reply.id, .init(bookingID: booking.id, action: .cancel))?.decision
            case .none(let reason):
                logger.info("a reply changed no booking", metadata: ["reason": "\(reason)", "channel": "\(message.channel)"])
            }
        }
        if let decision { try await carryOut(decision, message) }
        try await store.finishReply(id: reply.id)
    }

    /// Confirms or cancels the decided booking; doing it again changes nothing (a
    /// confirmed booking is not confirmed twice, a cancelled one not cancelled twice).
    private func carryOut(_ decision: PendingReply.Decision, _ message: InboundMessage) async throws {
        let metadata: Logger.Metadata = ["booking": "\(decision.bookingID)", "channel": "\(message.channel)"]
        do {
            // Through `storing`, so that a store that cannot be reached is `unavailable`
            // (rethrown below: the reply stays) like the writes.
            guard let booking = try await storing({ try await store.booking(id: decision.bookingID) }) else {
                logger.info("a reply's booking is gone", metadata: metadata)
                return
            }
            switch decision.action {
            case .confirm:
                guard booking.status == .pending else {
                    logger.info("a confirming reply for a booking that is \(booking.status.rawValue)", metadata: metadata)
                    return
                }
                _ = try await setBookingStatus(.with {
                    $0.id = booking.id
                    $0.status = .confirmed
                })
                logger.notice("a customer confirmed by reply", metadata: metadata.merging(["tenant": "\(booking.tenantID)"]) { $1 })
            case .cancel:
                guard booking.status == .pending || booking.status == .confirmed else {
                    logger.info("a cancelling reply for a booking that is \(booking.status.rawValue)", metadata: metadata)
                    return
                }
                _ = try await cancelBooking(.with {
                    $0.id = booking.id
                    $0.reason = "the customer replied \(ReplyMeaning.word(message.text).prefix(20)) by \(message.channel)"
                })
                logger.notice("a customer cancelled by reply", metadata: metadata.merging(["tenant": "\(booking.tenantID)"]) { $1 })
            }
        } catch {
            // Every step is an admin call: a store that cannot be reached keeps the reply
            // for the retry; anything else (the booking cannot change) forgets it.
            if error.code == .unavailable { throw error }
            logger.warning("a reply could not be applied", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}

/// One run of ``AdminService/processReplies()`` at a time, and one more if it was
/// asked for while running.
final class ReplyRun: Sendable {
    private let state = Mutex<(running: Bool, again: Bool)>((false, false))

    /// Whether the caller runs now (else the running one goes round again).
    func begin() -> Bool {
        state.withLock {
            if $0.running {
                $0.again = true
                return false
            }
            $0.running = true
            return true
        }
    }

    /// Whether to go round again; if not, the run has ended.
    func next() -> Bool {
        state.withLock {
            if $0.again {
                $0.again = false
                return true
            }
            $0.running = false
            return false
        }
    }
}
