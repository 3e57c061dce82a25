import Foundation
import HeraldCore
import Testing

@Suite("store contract: API keys")
struct APIKeyContractTests {
    static func key(
        _ id: String, tenantID: String? = "acme", role: APIKey.Role = .tenant, hash: String? = nil, at: Date = Fixture.now
    ) -> APIKey {
        APIKey(
            id: id, tenantID: tenantID, role: role, prefix: "hk_\(id.prefix(4))", hash: hash ?? "hash-of-\(id)",
            name: "key \(id)", createdAt: at)
    }

    @Test(arguments: StoreFactory.all) func keysAreListedPerTenantByIdAndFoundByIdOrHash(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            let b = Self.key("key_b")
            let a = Self.key("key_a")
            let other = Self.key("key_c", tenantID: "other")
            let admin = Self.key("key_d", tenantID: nil, role: .admin)
            for key in [b, a, other, admin] { try await store.createAPIKey(key) }

            #expect(try await store.apiKeys(tenantID: "acme", includeRevoked: false) == [a, b])
            #expect(try await store.apiKeys(tenantID: nil, includeRevoked: false) == [a, b, other, admin])
            #expect(try await store.apiKeys(tenantID: "nobody", includeRevoked: true).isEmpty)
            #expect(try await store.apiKey(id: "key_d") == admin)
            #expect(try await store.apiKey(hash: "hash-of-key_c") == other)
            #expect(try await store.apiKey(id: "key_x") == nil)
            #expect(try await store.apiKey(hash: "hash-of-nothing") == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func aTakenIdOrHashIsAlreadyExistsAndAnUnknownTenantNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await store.createAPIKey(Self.key("key_a"))
            await expectStoreError({ if case .alreadyExists(StoreEntity.apiKey, "key_a") = $0 { true } else { false } }) {
                try await store.createAPIKey(Self.key("key_a", hash: "another-hash"))
            }
            await expectStoreError({ if case .alreadyExists(StoreEntity.apiKey, "key_b") = $0 { true } else { false } }) {
                try await store.createAPIKey(Self.key("key_b", hash: "hash-of-key_a"))
            }
            await expectStoreError({ if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false } }) {
                try await store.createAPIKey(Self.key("key_c", tenantID: "ghost"))
            }
            #expect(try await store.apiKeys(tenantID: nil, includeRevoked: true).map(\.id) == ["key_a"])
        }
    }

    @Test(arguments: StoreFactory.all) func revokingKeepsTheFirstTimeAndHidesTheKeyFromDefaultLists(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await store.createAPIKey(Self.key("key_a"))
            try await store.createAPIKey(Self.key("key_b"))

            let revoked = try await store.revokeAPIKey(id: "key_a", at: Fixture.minutes(1))
            #expect(revoked.revokedAt == Fixture.minutes(1))
            let again = try await store.revokeAPIKey(id: "key_a", at: Fixture.minutes(2))
            #expect(again.revokedAt == Fixture.minutes(1))
            #expect(try await store.apiKey(id: "key_a")?.revokedAt == Fixture.minutes(1))

            #expect(try await store.apiKeys(tenantID: "acme", includeRevoked: false).map(\.id) == ["key_b"])
            #expect(try await store.apiKeys(tenantID: "acme", includeRevoked: true).map(\.id) == ["key_a", "key_b"])
            // Found by hash even when revoked: the caller tells "revoked" from "unknown".
            #expect(try await store.apiKey(hash: "hash-of-key_a")?.revokedAt == Fixture.minutes(1))

            await expectStoreError({ if case .notFound(StoreEntity.apiKey, "key_x") = $0 { true } else { false } }) {
                _ = try await store.revokeAPIKey(id: "key_x", at: Fixture.now)
            }
        }
    }
}
