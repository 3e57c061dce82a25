import Foundation
import HeraldProto
import HeraldViews
import Hummingbird

extension GatewayAPI {
    func addWebhookRoutes(to api: RouterGroup<GatewayContext>) {
        api.get("webhooks") { request, context in
            let tenant = try context.requireCaller().tenant(request.uri.queryParameters.get("tenant_id"))
            let answer = try await core.admin.listWebhooks(Herald_V1_ListWebhooksRequest.with { $0.tenantID = tenant })
            return try Reply.json(["webhooks": answer.webhooks.map(WebhookView.init)]).response
        }
        api.post("webhooks") { request, context in
            let data = try await Self.readBody(request)
            return try await idempotent(request, context, body: data) {
                let body = try JSONBody(data)
                try body.allowOnly(["tenant_id", "url", "event_types"])
                let tenant = try context.requireCaller().tenant(try body.string("tenant_id") ?? request.uri.queryParameters.get("tenant_id"))
                var add = Herald_V1_AddWebhookRequest()
                add.tenantID = tenant
                add.url = try body.string("url") ?? ""
                add.eventTypes = try body.stringList("event_types") ?? []
                let webhook = try await core.admin.addWebhook(add)
                // The signing secret is in this answer only.
                return try .json(WebhookView(webhook), status: .created, location: "/api/webhooks/\(webhook.id)")
            }.response
        }
        api.get("webhooks/{id}") { request, context in
            try Reply.json(WebhookView(try await visibleWebhook(request, context))).response
        }
        api.delete("webhooks/{id}") { request, context in
            let webhook = try await visibleWebhook(request, context)
            _ = try await core.admin.removeWebhook(Herald_V1_RemoveWebhookRequest.with { $0.id = webhook.id })
            return try Reply.json(WebhookRemovedJSON(webhook_id: webhook.id)).response
        }
    }

    /// The subscription named in the path among those the caller may see; 404
    /// otherwise. An admin key without `?tenant_id=` looks through every tenant.
    func visibleWebhook(_ request: Request, _ context: GatewayContext) async throws -> Herald_V1_WebhookSubscription {
        let caller = try context.requireCaller()
        let id = try context.path("id") ?? context.parameters.require("id")
        let requested = request.uri.queryParameters.get("tenant_id")
        let tenants: [String]
        if caller.role == .admin && requested == nil {
            tenants = try await core.admin.listTenants()
                .tenants.map(\.id)
        } else {
            tenants = [try caller.tenant(requested)]
        }
        for tenant in tenants {
            let answer = try await core.admin.listWebhooks(Herald_V1_ListWebhooksRequest.with { $0.tenantID = tenant })
            if let webhook = answer.webhooks.first(where: { $0.id == id }) { return webhook }
        }
        throw Problem.notFound("no webhook \"\(id)\"")
    }
}

struct WebhookRemovedJSON: Encodable {
    var ok = true
    var webhook_id: String
}
