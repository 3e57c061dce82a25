import ArgumentParser
import HeraldProto

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage API keys of the HTTP gateway (herald-gateway).",
        subcommands: [Create.self, List.self, Revoke.self])

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case tenant
        case admin

        var proto: Herald_V1_ApiKeyRole {
            switch self {
            case .tenant: .tenant
            case .admin: .admin
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an API key; prints it (shown only once).",
            discussion: """
                A tenant key sees and changes only its tenant's data; an admin key manages \
                every tenant (its TENANT is optional and only recorded). Booking apps send \
                it as "Authorization: Bearer KEY". The core keeps only its SHA-256 hash.
                """)

        @Argument(help: "The tenant's id (optional with --role admin).") var tenant: String?
        @Option(help: "tenant or admin.") var role: Role = .tenant
        @Option(help: "A label, e.g. \"salon website\".") var name: String = ""
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if role == .tenant && tenant == nil {
                throw ValidationError("a tenant key needs its TENANT (or use --role admin)")
            }
        }

        func run() async throws {
            let request = Herald_V1_CreateApiKeyRequest.with {
                $0.tenantID = tenant ?? ""
                $0.role = role.proto
                $0.name = name
            }
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.createApiKey(request)
            }
            if output.json {
                var view = APIKeyView(answer.apiKey)
                view.key = answer.key
                try printJSON(view)
            } else {
                var fields = Fields()
                fields.append("id", answer.apiKey.id)
                fields.append("key", answer.key)
                print(fields.render())
                print("Keep the key: it is not shown again. Send it as \"Authorization: Bearer KEY\".")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API keys (id, prefix, tenant, role); never the keys themselves.")

        @Argument(help: "Only this tenant's keys (default: every key).") var tenant: String?
        @Flag(help: "Also revoked keys.") var all = false
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_ListApiKeysRequest.with {
                $0.tenantID = tenant ?? ""
                $0.includeRevoked = all
            }
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listApiKeys(request)
            }
            if output.json {
                try printJSON(answer.apiKeys.map(APIKeyView.init))
            } else {
                var table = Table("id", "prefix", "tenant", "role", "name", "created", "revoked")
                for key in answer.apiKeys {
                    table.append([
                        key.id, key.prefix + "...", key.tenantID, APIKeyView.word(key.role), key.name, key.createdAt,
                        key.revokedAt,
                    ])
                }
                print(table.render())
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an API key from working, at once.")

        @Argument(help: "The key's id (key_...).") var id: String
        @OptionGroup var core: CoreOptions

        func run() async throws {
            _ = try await CoreConnection.with(core) {
                try await $0.admin.revokeApiKey(Herald_V1_RevokeApiKeyRequest.with { $0.id = id })
            }
            print("revoked \(id)")
        }
    }
}

struct APIKeyView: Encodable {
    var id: String
    var tenant_id: String?
    var role: String
    var prefix: String
    var name: String
    var created_at: String
    var revoked_at: String?
    /// Only in the answer of `apikey create`.
    var key: String?

    init(_ key: Herald_V1_ApiKey) {
        id = key.id
        tenant_id = key.tenantID.isEmpty ? nil : key.tenantID
        role = Self.word(key.role)
        prefix = key.prefix
        name = key.name
        created_at = key.createdAt
        revoked_at = key.revokedAt.isEmpty ? nil : key.revokedAt
    }

    static func word(_ role: Herald_V1_ApiKeyRole) -> String {
        switch role {
        case .admin: "admin"
        case .tenant: "tenant"
        case .unspecified, .UNRECOGNIZED: "unknown"
        }
    }
}
