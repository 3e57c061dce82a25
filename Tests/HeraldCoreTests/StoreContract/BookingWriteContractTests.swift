import Foundation
import HeraldCore
import Testing

@Suite("store contract: the transactional booking write")
struct BookingWriteContractTests {
    @Test(arguments: StoreFactory.all) func insertStoresBookingEventAndJobsTogether(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    /// Many writes at once (a store may commit them together): the one with a taken id
    /// fails alone, every other booking is stored with its jobs, and the events'
    /// sequences are distinct and read back in ascending order.
    @Test(arguments: StoreFactory.all) func concurrentWritesFailAloneAndKeepTheirSequencesInOrder(
        _ factory: StoreFactory
    ) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let taken = Fixture.booking(id: "bk-taken")
            try await Fixture.insert(taken, into: store)
            let bookings = (0..<40).map { Fixture.booking(id: $0 == 17 ? "bk-taken" : "bk-\($0)") }
            let outcomes = await withTaskGroup(of: (String, Result<Int64?, any Error>).self) { group in
                for booking in bookings {
                    group.addTask {
                        do {
                            let event = try await Fixture.insert(
                                booking, jobs: [Fixture.job(for: booking, kind: .confirmation)], into: store)
                            return (booking.id, .success(event.sequence))
                        } catch {
                            return (booking.id, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for (id, outcome) in outcomes {
                switch outcome {
                case .success:
                    #expect(id != "bk-taken")
                    #expect(try await store.jobs(bookingID: id).count == 1, "\(id)")
                case .failure(let error):
                    #expect(id == "bk-taken", "\(id): \(error)")
                    guard case StoreError.alreadyExists(StoreEntity.booking, "bk-taken")? = error as? StoreError else {
                        Issue.record("\(id): \(error)")
                        continue
                    }
                }
            }
            let sequences = outcomes.values.compactMap { try? $0.get() }.compactMap { $0 }
            #expect(sequences.count == 39)
            #expect(Set(sequences).count == 39)
            let events = try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 100)
            #expect(events.count == 40)
            #expect(events.map { $0.sequence ?? 0 } == events.map { $0.sequence ?? 0 }.sorted())
            #expect(try await store.jobs(bookingID: "bk-taken").isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func failureInTheMiddleLeavesNothingWritten(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func bookingForUnknownTenantOrEventTypeIsNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func updateWithStaleExpectedIsConflictAndChangesNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func expectedUpdatedAtIsComparedAtStoragePrecision(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func updateOfUnknownBookingIsNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func cancellationCancelsOnlyOpenJobsOfTheChosenKindsAndLogsThem(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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
            var skipped = Fixture.job(id: "job_skipped", for: completed, kind: .followUp)
            skipped.status = .skipped
            let written = try await store.writeBooking(BookingWrite(
                booking: completed, expected: booking,
                event: Fixture.event(.completed, for: completed, previous: booking, at: Fixture.minutes(10)),
                cancelPendingJobs: .kinds([.reminder], reason: "booking completed"), newJobs: [skipped],
                newLogEntries: [ReminderLogEntry(job: skipped, outcome: .skipped, loggedAt: Fixture.minutes(10))]))

            let statuses = Dictionary(
                uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0.status) })
            #expect(statuses == [
                "job_sent": .sent, "job_leased": .cancelled, "job_pending": .cancelled, "job_host": .pending,
                "job_skipped": .skipped,
            ])
            let leased = try #require(try await store.jobs(bookingID: booking.id).first { $0.id == "job_leased" })
            #expect(leased.leasedTo == nil && leased.leaseExpiresAt == nil)

            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(Set(log.map(\.jobID)) == ["job_leased", "job_pending", "job_skipped"])
            #expect(log.filter { $0.outcome == .cancelled }.allSatisfy {
                $0.error == "booking completed" && $0.loggedAt == Fixture.minutes(10)
            })
            // The write returns its rows as stored (the event stream publishes them): the
            // cancellations, then the entries it was given.
            #expect(written.logged == Array(log.reversed()))
            #expect(written.logged.last?.jobID == "job_skipped")
            #expect(written.event.sequence != nil)
        }
    }

    @Test(arguments: StoreFactory.all) func cancellingAllLeavesFinishedJobsAlone(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func newLogEntriesAreWrittenWithTheBooking(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var skipped = Fixture.dueJob("job_skipped", for: booking, due: Fixture.minutes(-5), offset: 1440)
            skipped.status = .skipped
            let entry = ReminderLogEntry(
                job: skipped, outcome: .skipped, error: "booked after the reminder time", loggedAt: Fixture.now)
            try await store.writeBooking(BookingWrite(
                booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                newJobs: [skipped], newLogEntries: [entry]))

            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.count == 1)
            #expect(log.first?.id != nil)
            var expected = entry
            expected.id = log.first?.id
            #expect(log.first == expected)
            #expect(try await store.jobs(bookingID: booking.id).first?.status == .skipped)
            // A skipped job is never leased.
            #expect(try await store.leaseDueJobs(leaseQuery()) { _ in .lease }.leased.isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func newLogEntriesRollBackWithAFailedWrite(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let job = Fixture.dueJob("job_same", for: booking, due: Fixture.now)
            let entry = ReminderLogEntry(job: job, outcome: .skipped, loggedAt: Fixture.now)
            await expectStoreError({
                if case .alreadyExists(StoreEntity.job, "job_same") = $0 { true } else { false }
            }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newJobs: [job, job], newLogEntries: [entry]))
            }
            #expect(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10).isEmpty)
            #expect(try await store.booking(id: booking.id) == nil)

            // An entry for another booking is refused, and nothing is written.
            let other = Fixture.booking()
            let foreign = ReminderLogEntry(
                job: Fixture.dueJob("job_x", for: other, due: Fixture.now), outcome: .skipped, loggedAt: Fixture.now)
            await expectStoreError({ if case .conflict = $0 { true } else { false } }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newLogEntries: [foreign]))
            }
            #expect(try await store.booking(id: booking.id) == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func aBookingIDIsStoredOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking(id: "bk_1")
            try await Fixture.insert(booking, into: store)
            var second = Fixture.booking(id: "bk_1", startingIn: 60)
            second.customerName = "Someone Else"
            await expectStoreError({ if case .alreadyExists(StoreEntity.booking, "bk_1") = $0 { true } else { false } }) {
                try await Fixture.insert(second, jobs: [Fixture.job(for: second, kind: .confirmation)], into: store)
            }
            #expect(try await store.booking(id: "bk_1") == booking)
            #expect(try await store.jobs(bookingID: "bk_1").isEmpty)
            #expect(try await store.events(tenantID: "acme", bookingID: "bk_1", afterSequence: 0, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func anEventOfAnotherBookingIsAConflictAndWritesNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let other = Fixture.booking()
            await expectStoreError({ if case .conflict = $0 { true } else { false } }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: other),
                    newJobs: [Fixture.job(for: booking, kind: .confirmation)]))
            }
            #expect(try await store.booking(id: booking.id) == nil)
            #expect(try await store.booking(id: other.id) == nil)
            #expect(try await store.jobs(bookingID: booking.id).isEmpty)
            #expect(try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func eventSequencesIncreaseInWriteOrderAcrossTenants(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store, id: "acme")
            try await Fixture.createTenant(store, id: "globex")
            var sequences: [Int64] = []
            for tenant in ["acme", "globex", "acme", "globex"] {
                let event = try await Fixture.insert(Fixture.booking(tenantID: tenant), into: store)
                sequences.append(try #require(event.sequence))
            }
            #expect(sequences == sequences.sorted() && Set(sequences).count == 4, "\(sequences)")
            let acme = try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 10)
            #expect(acme.compactMap(\.sequence) == [sequences[0], sequences[2]])
            #expect(try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 1).count == 1)
        }
    }
}
