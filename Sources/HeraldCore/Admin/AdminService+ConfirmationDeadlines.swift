import Foundation

extension AdminService {
    /// Acts on the bookings whose confirmation deadline has passed, earliest first:
    /// each still pending is reported (`booking.unconfirmed`: the event type's hosts, the
    /// team destinations and webhooks that want it hear of it) or, when the tenant has
    /// `cancel_unconfirmed`, cancelled through the normal path with the usual notices.
    ///
    /// Several cores may run this at once: each write checks that the booking is as it
    /// was read, so the core that loses the race (or a customer confirming at the same
    /// moment) leaves it alone. Returns how many bookings this call handled.
    @discardableResult
    public func processConfirmationDeadlines() async throws(AdminError) -> Int {
        var handled = 0
        var full: Bool
        var handledNow: Int
        repeat {
            let now = clock.now()
            let batch = try await storing { try await store.bookingsPastConfirmBy(now, limit: Self.deadlineBatch) }
            handledNow = 0
            for booking in batch where try await handleDeadline(of: booking) { handledNow += 1 }
            handled += handledNow
            full = batch.count == Self.deadlineBatch
            // A full batch all left alone would only be read again; the next run takes it.
        } while full && handledNow > 0
        return handled
    }

    static let deadlineBatch = 100

    /// Runs ``processConfirmationDeadlines()`` at each deadline until the task is
    /// cancelled. It looks again at least every `poll` for deadlines other cores set (and
    /// this one, since a new booking's deadline may come before the one it sleeps for).
    public func runConfirmationDeadlines(poll: TimeInterval = 5) async {
        while !Task.isCancelled {
            var wake = clock.now().addingTimeInterval(poll)
            do {
                try await processConfirmationDeadlines()
                if let next = try await storing({ try await store.nextConfirmBy() }), next < wake { wake = next }
            } catch {
                logger.warning("confirmation deadlines could not be handled; trying again", metadata: ["error": "\(error)"])
            }
            await clock.sleep(until: wake)
        }
    }

    /// Reports or cancels one booking at its deadline; false when it was left alone
    /// (no longer overdue, or changed meanwhile).
    private func handleDeadline(of booking: Booking) async throws(AdminError) -> Bool {
        let context = try await bookingContext(tenantID: booking.tenantID, eventTypeID: booking.eventTypeID, bookingID: nil)
        let now = clock.now()
        var changed = booking
        changed.updatedAt = now
        let written: BookingEventRecord
        do {
            switch ConfirmationRequest.overdue(booking, settings: context.settings, now: now) {
            case .nothing:
                return false
            case .tellTheTeam:
                written = try await commit(changed, replacing: booking, as: .unconfirmed, context: context)
            case .cancel:
                changed.status = .cancelled
                written = try await commit(
                    changed, replacing: booking, as: .cancelled,
                    because: ConfirmationRequest.cancellationReason(deadline: booking.confirmBy ?? now), context: context)
            }
        } catch where error.code == .aborted {
            logger.debug("a booking changed at its confirmation deadline; left alone", metadata: ["booking": "\(booking.id)"])
            return false
        }
        logger.info(
            "booking not confirmed by its deadline",
            metadata: ["booking": "\(booking.id)", "event": "\(written.id)", "type": "\(written.type.rawValue)"])
        return true
    }
}
