import Foundation
import HeraldCore
import Testing

@Suite("store contract: idempotency keys")
struct IdempotencyContractTests {
    static let answer = IdempotentAnswer(
        status: 201, body: Data(#"{"id":"bk_1"}"#.utf8), contentType: "application/json", location: "/api/bookings/bk_1")

    /// A claim at `now` with records expiring after a day and claims abandoned after a minute.
    static func claim(
        _ store: any ContractStore, scope: String = "key_a", key: String = "k1", fingerprint: String = "f1",
        now: Date = Fixture.now
    ) async throws -> IdempotencyClaim {
        try await store.claimIdempotencyKey(
            scope: scope, key: key, fingerprint: fingerprint, now: now,
            expiredBefore: now.addingTimeInterval(-86_400), abandonedBefore: now.addingTimeInterval(-60))
    }

    @Test(arguments: StoreFactory.all) func aKeyIsClaimedOnceThenReplaysItsAnswer(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await Self.claim(store) == .first)
            #expect(try await Self.claim(store, now: Fixture.minutes(0.5)) == .inFlight)
            #expect(try await Self.claim(store, fingerprint: "f2") == .mismatch)

            try await store.finishIdempotencyKey(scope: "key_a", key: "k1", answer: Self.answer)
            #expect(try await Self.claim(store, now: Fixture.minutes(10)) == .replay(Self.answer))
            #expect(try await Self.claim(store, fingerprint: "f2") == .mismatch)
            // Scopes (API keys) do not share keys.
            #expect(try await Self.claim(store, scope: "key_b") == .first)
        }
    }

    @Test(arguments: StoreFactory.all) func releasingAClaimLetsARetryRunAgain(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await Self.claim(store) == .first)
            try await store.finishIdempotencyKey(scope: "key_a", key: "k1", answer: nil)
            #expect(try await Self.claim(store, fingerprint: "f2") == .first)
            // Finishing a key nobody claimed changes nothing.
            try await store.finishIdempotencyKey(scope: "key_a", key: "never", answer: Self.answer)
            #expect(try await Self.claim(store, key: "never") == .first)
        }
    }

    @Test(arguments: StoreFactory.all) func anAbandonedClaimIsTakenOverAndAnExpiredRecordForgotten(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await Self.claim(store) == .first)
            // Still running two minutes later: its front end died; the claim is taken over.
            #expect(try await Self.claim(store, now: Fixture.minutes(2)) == .first)
            #expect(try await Self.claim(store, now: Fixture.minutes(2.5)) == .inFlight)

            try await store.finishIdempotencyKey(scope: "key_a", key: "k1", answer: Self.answer)
            #expect(try await Self.claim(store, now: Fixture.minutes(60)) == .replay(Self.answer))
            // A day after it was claimed, the record is gone: even another request may use the key.
            #expect(try await Self.claim(store, fingerprint: "f2", now: Fixture.minutes(2 + 24 * 60 + 1)) == .first)
        }
    }

    @Test(arguments: StoreFactory.all) func concurrentClaimsOfOneKeyHaveOneWinner(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Self.claim(store) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(claims.filter { $0 == .first }.count == 1, "\(claims)")
            #expect(claims.filter { $0 == .inFlight }.count == 7, "\(claims)")
        }
    }
}
