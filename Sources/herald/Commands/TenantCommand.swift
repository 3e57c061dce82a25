import ArgumentParser
import HeraldProto
import HeraldViews

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Create and list tenants (the businesses Herald notifies for).",
        subcommands: [Create.self, List.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant with default settings.")

        @Argument(help: "The tenant's id: letters, digits, '_', '-', '.'.") var id: String
        @Option(help: "The business name customers see.") var name: String
        @Option(help: "IANA time zone for its messages (default UTC).") var timezone: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_CreateTenantRequest.with {
                $0.id = id
                $0.name = name
                $0.timezone = timezone ?? ""
            }
            let tenant = try await CoreConnection.with(core) { try await $0.admin.createTenant(request) }
            if output.json { try printJSON(TenantView(tenant)) } else { print(tenant.id) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")

        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listTenants()
            }
            if output.json {
                try printJSON(answer.tenants.map(TenantView.init))
            } else {
                var table = Table("id", "name", "created")
                for tenant in answer.tenants { table.append([tenant.id, tenant.name, tenant.createdAt]) }
                print(table.render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one tenant.")

        @Argument(help: "The tenant's id.") var id: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let tenant = try await CoreConnection.with(core) {
                try await $0.admin.getTenant(Herald_V1_GetTenantRequest.with { $0.id = id })
            }
            if output.json {
                try printJSON(TenantView(tenant))
            } else {
                var fields = Fields()
                fields.append("id", tenant.id)
                fields.append("name", tenant.name)
                fields.append("created", tenant.createdAt)
                print(fields.render())
            }
        }
    }
}
