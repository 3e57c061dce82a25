import Foundation
import HeraldCore
import Testing

@Suite("SQLite store: the transactional booking write")
struct SQLiteBookingWriteTests {
    @Test func insertStoresBookingEventAndJobsTogether() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let jobs = [
                Fixture.job(for: booking, kind: .confirmation),
                Fixture.job(for: booking, kind: .reminder, offset: 1440),
                Fixture.job(for: booking, kind: .reminder, offset: 60),
            ]
            let event = try await Fixture.insert(booking, jobs: jobs, into: store)

            let sequence = try #require(event.sequence)
            #expect(sequence > 0)
            #expect(try await store.booking(id: booking.id) == booking)
            #expect(Set(try await store.jobs(bookingID: booking.id).map(\.id)) == Set(jobs.map(\.id)))
            #expect(try await store.events(tenantID: "acme", bookingID: booking.id, afterSequence: 0, limit: 10)
                == [event])
        }
    }

    @Test func failureInTheMiddleLeavesNothingWritten() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let first = Fixture.job(id: "job_same", for: booking, kind: .confirmation)
            let duplicate = Fixture.job(id: "job_same", for: booking, kind: .reminder, offset: 60)

            await expectStoreError({
                if case .alreadyExists(StoreEntity.job, "job_same") = $0 { true } else { false }
            }) {
                try await Fixture.insert(booking, jobs: [first, duplicate], into: store)
            }
            #expect(try await store.booking(id: booking.id) == nil)
            #expect(try await store.jobs(bookingID: booking.id).isEmpty)
            #expect(try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 10).isEmpty)
        }
    }

    @Test func bookingForUnknownTenantOrEventTypeIsNotFound() async throws {
        try await withTemporaryStore { store, _ in
            await expectStoreError({
                if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false }
            }) {
                try await Fixture.insert(Fixture.booking(tenantID: "ghost"), into: store)
            }

            try await Fixture.createTenant(store)
            var booking = Fixture.booking()
            booking.eventTypeID = "missing"
            await expectStoreError({
                if case .notFound(StoreEntity.eventType, "missing") = $0 { true } else { false }
            }) {
                try await Fixture.insert(booking, into: store)
            }
        }
    }

    @Test func updateWithStaleExpectedIsConflictAndChangesNothing() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let original = Fixture.booking()
            try await Fixture.insert(original, into: store)

            // A first writer reschedules.
            var rescheduled = original
            rescheduled.startAt = Fixture.minutes(60, after: original.startAt)
            rescheduled.endAt = Fixture.minutes(60, after: original.endAt)
            rescheduled.scheduleVersion = 2
            rescheduled.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: rescheduled, expected: original,
                event: Fixture.event(.rescheduled, for: rescheduled, previous: original)))

            // A second writer still holds the original and tries to cancel it.
            var cancelled = original
            cancelled.status = .cancelled
            cancelled.updatedAt = Fixture.minutes(2)
            let lateJob = Fixture.job(for: cancelled, kind: .cancellation)
            await expectStoreError({
                if case .conflict = $0 { true } else { false }
            }) {
                try await store.writeBooking(BookingWrite(
                    booking: cancelled, expected: original,
                    event: Fixture.event(.cancelled, for: cancelled, previous: original),
                    newJobs: [lateJob]))
            }

            #expect(try await store.booking(id: original.id) == rescheduled)
            #expect(try await store.jobs(bookingID: original.id).isEmpty)
            let events = try await store.events(tenantID: "acme", bookingID: original.id, afterSequence: 0, limit: 10)
            #expect(events.map(\.type) == [.created, .rescheduled])
        }
    }

    @Test func expectedUpdatedAtIsComparedAtStoragePrecision() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            // Sub-millisecond noise, as `Date()` has; the stored text keeps milliseconds.
            var booking = Fixture.booking()
            booking.updatedAt = Fixture.now.addingTimeInterval(0.000_123)
            try await Fixture.insert(booking, into: store)

            var confirmed = booking
            confirmed.status = .confirmed
            confirmed.updatedAt = Fixture.minutes(1)
            // The in-memory copy, not a re-read one, is accepted as `expected`.
            try await store.writeBooking(BookingWrite(
                booking: confirmed, expected: booking,
                event: Fixture.event(.confirmed, for: confirmed, previous: booking)))
            #expect(try await store.booking(id: booking.id)?.updatedAt == Fixture.minutes(1))
        }
    }

    @Test func updateOfUnknownBookingIsNotFound() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking(id: "bk_ghost")
            await expectStoreError({
                if case .notFound(StoreEntity.booking, "bk_ghost") = $0 { true } else { false }
            }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: booking, event: Fixture.event(.confirmed, for: booking)))
            }
        }
    }

    @Test func cancellationCancelsOnlyOpenJobsOfTheChosenKindsAndLogsThem() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sentReminder = Fixture.job(id: "job_sent", for: booking, kind: .reminder, offset: 1440)
            sentReminder.status = .sent
            var leasedReminder = Fixture.job(id: "job_leased", for: booking, kind: .reminder, offset: 60)
            leasedReminder.status = .leased
            leasedReminder.leasedTo = "email-1"
            leasedReminder.leaseExpiresAt = Fixture.minutes(5)
            let pendingReminder = Fixture.job(id: "job_pending", for: booking, kind: .reminder, offset: 30)
            let hostNotice = Fixture.job(id: "job_host", for: booking, kind: .hostNotification)
            try await Fixture.insert(
                booking, jobs: [sentReminder, leasedReminder, pendingReminder, hostNotice], into: store)

            var completed = booking
            completed.status = .completed
            completed.updatedAt = Fixture.minutes(10)
            try await store.writeBooking(BookingWrite(
                booking: completed, expected: booking,
                event: Fixture.event(.completed, for: completed, previous: booking, at: Fixture.minutes(10)),
                cancelPendingJobs: .kinds([.reminder], reason: "booking completed")))

            let statuses = Dictionary(
                uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0.status) })
            #expect(statuses == [
                "job_sent": .sent, "job_leased": .cancelled, "job_pending": .cancelled, "job_host": .pending,
            ])
            let leased = try #require(try await store.jobs(bookingID: booking.id).first { $0.id == "job_leased" })
            #expect(leased.leasedTo == nil && leased.leaseExpiresAt == nil)

            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(Set(log.map(\.jobID)) == ["job_leased", "job_pending"])
            #expect(log.allSatisfy {
                $0.outcome == .cancelled && $0.error == "booking completed" && $0.loggedAt == Fixture.minutes(10)
            })
        }
    }

    @Test func cancellingAllLeavesFinishedJobsAlone() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sent = Fixture.job(id: "job_sent", for: booking, kind: .confirmation)
            sent.status = .sent
            let reminder = Fixture.job(id: "job_reminder", for: booking, kind: .reminder, offset: 60)
            try await Fixture.insert(booking, jobs: [sent, reminder], into: store)

            var cancelled = booking
            cancelled.status = .cancelled
            cancelled.updatedAt = Fixture.minutes(1)
            let notice = Fixture.job(id: "job_notice", for: cancelled, kind: .cancellation)
            try await store.writeBooking(BookingWrite(
                booking: cancelled, expected: booking,
                event: Fixture.event(.cancelled, for: cancelled, previous: booking),
                cancelPendingJobs: .all(reason: "booking cancelled"), newJobs: [notice]))

            let statuses = Dictionary(
                uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0.status) })
            // The new cancellation notice is written after the cancellation, so it stays pending.
            #expect(statuses == ["job_sent": .sent, "job_reminder": .cancelled, "job_notice": .pending])
        }
    }
}
