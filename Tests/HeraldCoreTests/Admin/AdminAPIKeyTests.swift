import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

@Suite("admin service: API keys")
struct AdminAPIKeyTests {
    @Test func aKeyIsShownOnceStoredHashedAndAuthenticates() async throws {
        try await AdminServiceTests.withService { service, _, _, store in
            let created = try await service.createApiKey(.with { $0.tenantID = "salon"; $0.name = "website" })
            #expect(created.key.hasPrefix("hk_"))
            #expect(created.key.count == 46)
            #expect(created.apiKey.id.hasPrefix("key_"))
            #expect(created.apiKey.role == .tenant)
            #expect(created.key.hasPrefix(created.apiKey.prefix))

            let stored = try #require(try await store.apiKey(id: created.apiKey.id))
            #expect(stored.hash == AdminService.apiKeyHash(created.key))
            #expect(stored.hash != created.key && !stored.hash.contains(created.key))

            let who = try await service.authenticateApiKey(.with { $0.key = created.key })
            #expect(who.keyID == created.apiKey.id)
            #expect(who.tenantID == "salon")
            #expect(who.role == .tenant)

            let listed = try await service.listApiKeys(.init())
            #expect(listed.apiKeys.map(\.id) == [created.apiKey.id])
            #expect(try listed.serializedData().range(of: Data(created.key.utf8)) == nil)
        }
    }

    @Test func unknownAndRevokedKeysAreUnauthenticated() async throws {
        try await AdminServiceTests.withService { service, _, _, _ in
            let created = try await service.createApiKey(.with { $0.tenantID = "salon" })
            for key in ["", "hk_nope", created.key + "x"] {
                await #expect(throws: AdminError(code: .unauthenticated, message: "invalid or revoked API key")) {
                    _ = try await service.authenticateApiKey(.with { $0.key = key })
                }
            }
            let revoked = try await service.revokeApiKey(.with { $0.id = created.apiKey.id })
            #expect(!revoked.revokedAt.isEmpty)
            await #expect(throws: AdminError.self) {
                _ = try await service.authenticateApiKey(.with { $0.key = created.key })
            }
            #expect(try await service.listApiKeys(.init()).apiKeys.isEmpty)
            #expect(try await service.listApiKeys(.with { $0.includeRevoked = true }).apiKeys.count == 1)
        }
    }

    @Test func tenantKeysNeedAnExistingTenantAndAdminKeysNeedNone() async throws {
        try await AdminServiceTests.withService { service, _, _, _ in
            await #expect(throws: AdminError.self) { _ = try await service.createApiKey(.init()) }
            do {
                _ = try await service.createApiKey(.with { $0.tenantID = "nobody" })
                Issue.record("a key for a missing tenant was made")
            } catch let error as AdminError {
                #expect(error.code == .notFound)
            }
            let admin = try await service.createApiKey(.with { $0.role = .admin })
            let who = try await service.authenticateApiKey(.with { $0.key = admin.key })
            #expect(who.role == .admin)
            #expect(who.tenantID.isEmpty)
        }
    }
}

@Suite("admin service: idempotency keys")
struct AdminIdempotencyTests {
    @Test func aClaimedKeyReplaysItsAnswerAndRefusesOtherRequests() async throws {
        try await AdminServiceTests.withService { service, clock, _, _ in
            func claim(_ fingerprint: String) async throws -> Herald_V1_ClaimIdempotencyKeyResponse {
                try await service.claimIdempotencyKey(.with {
                    $0.scope = "key_1"
                    $0.key = "order-42"
                    $0.fingerprint = fingerprint
                })
            }
            #expect(try await claim("a").state == .first)
            #expect(try await claim("a").state == .inFlight)
            #expect(try await claim("b").state == .mismatch)
            _ = try await service.finishIdempotencyKey(.with {
                $0.scope = "key_1"
                $0.key = "order-42"
                $0.answer = .with {
                    $0.status = 201
                    $0.body = Data("{\"ok\":true}".utf8)
                    $0.contentType = "application/json"
                }
            })
            let replay = try await claim("a")
            #expect(replay.state == .replay)
            #expect(replay.answer.status == 201)
            #expect(replay.answer.body == Data("{\"ok\":true}".utf8))

            // After 24 hours the key is free again.
            clock.advance(by: 24 * 3600 + 1)
            #expect(try await claim("b").state == .first)
            // A claim abandoned for over a minute can be taken over; a released one at once.
            clock.advance(by: 61)
            #expect(try await claim("b").state == .first)
            _ = try await service.finishIdempotencyKey(.with {
                $0.scope = "key_1"
                $0.key = "order-42"
            })
            #expect(try await claim("c").state == .first)
        }
    }
}
