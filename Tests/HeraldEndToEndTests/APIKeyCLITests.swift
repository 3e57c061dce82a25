import Foundation
import Testing

@Suite("herald apikey against a running heraldd", .timeLimit(.minutes(5)))
struct APIKeyCLITests {
    @Test func createListRevoke() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let created = try await core.heraldOK("apikey", "create", "salon", "--name", "website", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])
        let key = try #require(json["key"] as? String)
        let id = try #require(json["id"] as? String)
        #expect(key.hasPrefix("hk_"))
        #expect(json["role"] as? String == "tenant")
        #expect(json["tenant_id"] as? String == "salon")

        let admin = try await core.heraldOK("apikey", "create", "--role", "admin")
        #expect(admin.contains("key:"))
        let refused = try await core.herald("apikey", "create")
        #expect(refused.status == 64)

        let list = try await core.heraldOK("apikey", "list")
        #expect(list.contains(id))
        #expect(list.contains(String(key.prefix(10))))
        #expect(!list.contains(key))
        let listJSON = try await core.heraldOK("apikey", "list", "salon", "--json")
        #expect(!listJSON.contains(key))
        #expect((try JSONSerialization.jsonObject(with: Data(listJSON.utf8)) as? [Any])?.count == 1)

        #expect(try await core.heraldOK("apikey", "revoke", id) == "revoked \(id)\n")
        #expect(!(try await core.heraldOK("apikey", "list", "salon")).contains(id))
        #expect(try await core.heraldOK("apikey", "list", "--all").contains(id))
        #expect(try await core.stop() == 0)
        // Neither the core's log nor its output ever carries the key.
        #expect(!core.process.stderr.contains(key) && !core.process.stdout.contains(key))
    }
}
