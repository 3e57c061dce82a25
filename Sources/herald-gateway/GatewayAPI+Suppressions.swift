import Foundation
import HeraldProto
import HeraldViews
import Hummingbird

extension GatewayAPI {
    /// The tenant's suppression list: GET lists it, POST puts a recipient on it,
    /// DELETE (with the same fields as a JSON body) takes one off.
    func addSuppressionRoutes(to api: RouterGroup<GatewayContext>) {
        api.get("suppressions") { request, context in
            let tenant = try context.requireCaller().tenant(request.uri.queryParameters.get("tenant_id"))
            let answer = try await core.admin.listSuppressions(.with {
                $0.tenantID = tenant
                $0.channel = request.uri.queryParameters.get("channel") ?? ""
                $0.limit = UInt32(try Self.query(request, "limit", default: 100, in: 1...1000))
            })
            return try Reply.json(["suppressions": answer.suppressions.map(SuppressionView.init)]).response
        }
        api.post("suppressions") { request, context in
            let data = try await Self.readBody(request)
            return try await idempotent(request, context, body: data) {
                let body = try JSONBody(data)
                try body.allowOnly(["tenant_id", "channel", "recipient", "scope", "reason"])
                let tenant = try context.requireCaller().tenant(try body.string("tenant_id") ?? request.uri.queryParameters.get("tenant_id"))
                var add = Herald_V1_AddSuppressionRequest()
                add.tenantID = tenant
                add.channel = try body.string("channel") ?? ""
                add.recipient = try body.string("recipient") ?? ""
                add.scope = try body.string("scope") ?? ""
                add.reason = try body.string("reason") ?? ""
                let entry = try await core.admin.addSuppression(add)
                return try .json(SuppressionView(entry), status: .created)
            }.response
        }
        api.delete("suppressions") { request, context in
            let body = try JSONBody(try await Self.readBody(request))
            try body.allowOnly(["tenant_id", "channel", "recipient", "scope"])
            let tenant = try context.requireCaller().tenant(try body.string("tenant_id") ?? request.uri.queryParameters.get("tenant_id"))
            var remove = Herald_V1_RemoveSuppressionRequest()
            remove.tenantID = tenant
            remove.channel = try body.string("channel") ?? ""
            remove.recipient = try body.string("recipient") ?? ""
            remove.scope = try body.string("scope") ?? ""
            let answer = try await core.admin.removeSuppression(remove)
            return try Reply.json(["removed": answer.removed]).response
        }
    }
}
