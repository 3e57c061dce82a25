import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto

/// The admin service as the server of `service Admin`. Every other method of the
/// generated protocol is the service's own; these four read the running core.
extension AdminService: Herald_V1_Admin.ServiceProtocol {
    public func ping(_ request: Herald_V1_PingRequest) async throws(AdminError) -> Herald_V1_PingResponse {
        .with {
            $0.version = runtime.version
            $0.now = Timestamp.format(clock.now())
            $0.droppedFrames = runtime.droppedFrames()
            if let outage = runtime.storeOutage() {
                $0.storeProblem = outage.problem.description
                $0.storeProblemSince = Timestamp.format(outage.since)
                $0.storeRefusedWrites = UInt64(outage.failures)
            }
        }
    }

    public func testWebhook(_ request: Herald_V1_TestWebhookRequest) async throws(AdminError)
        -> Herald_V1_TestWebhookResponse
    {
        try await testWebhook(request, probe: runtime.probe)
    }

    public func listChannels(_ request: Herald_V1_ListChannelsRequest) async throws(AdminError)
        -> Herald_V1_ListChannelsResponse
    {
        try await listChannels(request, workers: runtime.workers())
    }

    public func listAccounts(_ request: Herald_V1_ListAccountsRequest) async throws(AdminError)
        -> Herald_V1_ListAccountsResponse
    {
        try await listAccounts(workers: runtime.workers())
    }

    public func getStats(_ request: Herald_V1_GetStatsRequest) async throws(AdminError) -> Herald_V1_GetStatsResponse {
        try await getStats(request, workers: runtime.workers())
    }
}

/// An admin error reaches the caller as its status, with every field at fault.
extension AdminError: RPCStatusConvertible {
    public var rpcError: RPCError {
        RPCError(
            code: code, message: message,
            details: violations.map { violation in
                Herald_V1_FieldViolation.with {
                    $0.field = violation.field
                    $0.description_p = violation.description
                }
            })
    }
}
