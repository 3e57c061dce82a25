import Foundation
import HeraldBus
import HeraldCore
import HeraldProto

/// Maps every `herald.v1.Admin` method to the ``AdminService``.
enum AdminRoutes {
    static let prefix = "/herald.v1.Admin/"

    static func register(
        _ service: AdminService, dispatcher: Dispatcher, health: StoreHealth, into router: inout RPCRouter,
        droppedFrames: @escaping @Sendable () -> UInt64
    ) {
        router.register(prefix + "Ping") { (_: Herald_V1_PingRequest, _) in
            Herald_V1_PingResponse.with {
                $0.version = CoreVersion.current
                $0.now = Timestamp.format(Date())
                $0.droppedFrames = droppedFrames()
                if let outage = health.current {
                    $0.storeProblem = outage.problem.description
                    $0.storeProblemSince = Timestamp.format(outage.since)
                    $0.storeRefusedWrites = UInt64(outage.failures)
                }
            }
        }
        route("CreateTenant", service.createTenant, into: &router)
        route("GetTenant", service.getTenant, into: &router)
        route("ListTenants", service.listTenants, into: &router)
        route("GetSettings", service.getSettings, into: &router)
        route("UpdateSettings", service.updateSettings, into: &router)
        route("CreateEventType", service.createEventType, into: &router)
        route("GetEventType", service.getEventType, into: &router)
        route("ListEventTypes", service.listEventTypes, into: &router)
        route("UpdateEventType", service.updateEventType, into: &router)
        route("CreateBooking", service.createBooking, into: &router)
        route("GetBooking", service.getBooking, into: &router)
        route("ListBookings", service.listBookings, into: &router)
        route("RescheduleBooking", service.rescheduleBooking, into: &router)
        route("CancelBooking", service.cancelBooking, into: &router)
        route("SetBookingStatus", service.setBookingStatus, into: &router)
        route("AddWebhook", service.addWebhook, into: &router)
        route("ListWebhooks", service.listWebhooks, into: &router)
        route("RemoveWebhook", service.removeWebhook, into: &router)
        route("SetWebhookEnabled", service.setWebhookEnabled, into: &router)
        route("RotateWebhookSecret", service.rotateWebhookSecret, into: &router)
        route("TestWebhook", { (request: Herald_V1_TestWebhookRequest) async throws(AdminError) in
            try await service.testWebhook(request, probe: { delivery, timeout in await dispatcher.probe(delivery, timeout: timeout) })
        }, into: &router)
        route("AddTeamDestination", service.addTeamDestination, into: &router)
        route("ListTeamDestinations", service.listTeamDestinations, into: &router)
        route("RemoveTeamDestination", service.removeTeamDestination, into: &router)
        route("SetTeamDestinationEnabled", service.setTeamDestinationEnabled, into: &router)
        route("SetTemplate", service.setTemplate, into: &router)
        route("ListTemplates", service.listTemplates, into: &router)
        route("DeleteTemplate", service.deleteTemplate, into: &router)
        route("PreviewTemplate", service.previewTemplate, into: &router)
        route("ListEvents", service.listEvents, into: &router)
        route("ListReminderLog", service.listReminderLog, into: &router)
        route("GetSchedule", service.getSchedule, into: &router)
        route("CreateApiKey", service.createAPIKey, into: &router)
        route("ListApiKeys", service.listAPIKeys, into: &router)
        route("RevokeApiKey", service.revokeAPIKey, into: &router)
        route("AuthenticateApiKey", service.authenticateAPIKey, into: &router)
        route("ClaimIdempotencyKey", service.claimIdempotencyKey, into: &router)
        route("FinishIdempotencyKey", service.finishIdempotencyKey, into: &router)
        route("ListChannels", { (request: Herald_V1_ListChannelsRequest) async throws(AdminError) in
            try await service.listChannels(request, workers: dispatcher.connectedWorkers)
        }, into: &router)
        route("GetStats", { (request: Herald_V1_GetStatsRequest) async throws(AdminError) in
            try await service.getStats(request, workers: dispatcher.connectedWorkers)
        }, into: &router)
    }

    /// Registers one method, turning the service's ``AdminError`` into the RPC status.
    private static func route<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ name: String,
        _ handler: @escaping @Sendable (Request) async throws(AdminError) -> Response,
        into router: inout RPCRouter
    ) {
        router.register(prefix + name) { (request: Request, _) async throws -> Response in
            do throws(AdminError) {
                return try await handler(request)
            } catch {
                throw RPCError(
                    code: error.code, message: error.message,
                    details: error.violations.map { violation in
                        Herald_V1_FieldViolation.with {
                            $0.field = violation.field
                            $0.description_p = violation.description
                        }
                    })
            }
        }
    }
}

import SwiftProtobuf
