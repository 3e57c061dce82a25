import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

@Suite("admin service: team destinations")
struct AdminTeamDestinationTests {
    typealias Service = AdminServiceTests

    static let hook = "https://chat.example/hooks/abc"

    func add(
        _ service: AdminService, channel: String = "chat", to recipient: String = hook, events: [String] = []
    ) async throws -> Herald_V1_TeamDestination {
        try await service.addTeamDestination(.with {
            $0.tenantID = "salon"
            $0.channel = channel
            $0.recipient = recipient
            $0.eventTypes = events
        })
    }

    func expectRefused(
        _ code: Herald_V1_StatusCode, fields: [String], sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let error as AdminError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(error.violations.map(\.field) == fields, "\(error.violations)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aDestinationIsAddedListedDisabledEnabledAndRemoved() async throws {
        try await Service.withService { service, _, _, _ in
            let chat = try await add(service)
            #expect(chat.id.hasPrefix("team_"))
            // The URL is the chat room's credential: shown by its host only.
            #expect(chat.channel == "chat" && chat.recipient == "https://chat.example/…" && chat.enabled)
            #expect(chat.eventTypes == ["booking.created", "booking.rescheduled", "booking.cancelled"], "the host-note default")
            let mail = try await add(service, channel: "email", to: " desk@salon.example ", events: ["booking.no_show", "booking.cancelled"])
            #expect(mail.recipient == "desk@salon.example")
            #expect(mail.eventTypes == ["booking.cancelled", "booking.no_show"])

            let listed = try await service.listTeamDestinations(.with { $0.tenantID = "salon" })
            #expect(listed.destinations.map(\.id) == [chat.id, mail.id])

            let off = try await service.setTeamDestinationEnabled(.with { $0.id = chat.id; $0.enabled = false })
            #expect(!off.enabled && off.disabledReason == "disabled by an admin")
            let on = try await service.setTeamDestinationEnabled(.with { $0.id = chat.id; $0.enabled = true })
            #expect(on.enabled && on.disabledReason.isEmpty)

            _ = try await service.removeTeamDestination(.with { $0.id = chat.id })
            #expect(try await service.listTeamDestinations(.with { $0.tenantID = "salon" }).destinations.map(\.id) == [mail.id])
            await expectRefused(.notFound, fields: ["id"]) {
                _ = try await service.removeTeamDestination(.with { $0.id = chat.id })
            }
            await expectRefused(.notFound, fields: ["tenant_id"]) {
                _ = try await service.listTeamDestinations(.with { $0.tenantID = "ghost" })
            }
        }
    }

    @Test(arguments: [
        ("", "is required"),
        ("Chat", "is not a channel name"),
        ("chat room", "is not a channel name"),
        ("9chat", "is not a channel name"),
        (String(repeating: "c", count: 33), "is not a channel name"),
        ("webhook", "herald webhook add"),
        ("sms", "is for customers"),
        ("whatsapp", "is for customers"),
    ])
    func aChannelThatIsNotACustomChannelOrEmailIsRefused(_ channel: String, _ reason: String) async throws {
        try await Service.withService { service, _, _, _ in
            do {
                _ = try await add(service, channel: channel)
                Issue.record("\(channel) accepted")
            } catch let error as AdminError {
                #expect(error.code == .invalidArgument)
                #expect(error.violations.map(\.field) == ["channel"], "\(error.violations)")
                #expect(error.message.contains(reason), "\(error.message)")
            }
        }
    }

    @Test func everyBadFieldIsNamedInOneAnswer() async throws {
        try await Service.withService { service, _, _, _ in
            await expectRefused(.invalidArgument, fields: ["channel", "recipient", "event_types"]) {
                _ = try await add(service, channel: "Bad Name", to: "", events: ["booking.lost"])
            }
            await expectRefused(.invalidArgument, fields: ["recipient"]) {
                _ = try await add(service, channel: "email", to: "not-an-address")
            }
            await expectRefused(.invalidArgument, fields: ["recipient"]) {
                _ = try await add(service, to: "https://chat.example/a\nInjected: yes")
            }
            await expectRefused(.invalidArgument, fields: ["recipient"]) {
                _ = try await add(service, to: "https://chat.example/" + String(repeating: "a", count: 2048))
            }
        }
    }

    @Test func theSameRecipientTwiceOnAChannelIsRefused() async throws {
        try await Service.withService { service, _, _, _ in
            _ = try await add(service)
            await expectRefused(.alreadyExists, fields: ["recipient"]) { _ = try await add(service) }
            _ = try await add(service, channel: "email", to: "desk@salon.example")
            await expectRefused(.alreadyExists, fields: ["recipient"]) {
                _ = try await add(service, channel: "email", to: "Desk@Salon.example")
            }
            // The same URL on another channel is another destination.
            _ = try await add(service, channel: "teams")
        }
    }

    /// The booking write reads the destinations in its context and plans a note to each.
    @Test func aBookingPlansANoteToEachDestinationInTheSameWrite() async throws {
        try await Service.withService { service, _, _, store in
            let chat = try await add(service)
            let booking = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.startAt = Service.at(minutes: 3 * 24 * 60)
                $0.customerEmail = "ada@example.com"
            })
            let notes = try await store.jobs(bookingID: booking.id).filter { $0.kind == .hostNotification }
            #expect(notes.map(\.channel) == ["chat"])
            #expect(notes.first?.teamDestinationID == chat.id)
            #expect(notes.first?.recipient == Self.hook)
        }
    }

    @Test func aCustomChannelTakesHostNoteTemplatesOnlyAndIsListedOnceUsed() async throws {
        try await Service.withService { service, _, _, _ in
            let before = try await service.listTemplates(.with { $0.tenantID = "salon" })
            #expect(!before.templates.contains { $0.channel == "chat" })
            _ = try await add(service)
            let listed = try await service.listTemplates(.with { $0.tenantID = "salon" })
            let chat = listed.templates.filter { $0.channel == "chat" }
            #expect(chat.map(\.kind) == ["host_notification"])
            #expect(chat.first?.isDefault == true)
            #expect(chat.first?.subject.isEmpty == false, "custom channels have a subject")

            let set = try await service.setTemplate(.with {
                $0.tenantID = "salon"; $0.kind = "host_notification"; $0.channel = "chat"
                $0.subject = "New: {{customer_name}}"; $0.body = ":calendar: {{customer_name}}, {{date_short}} {{time}}"
            })
            #expect(!set.isDefault)
            let preview = try await service.previewTemplate(.with {
                $0.tenantID = "salon"; $0.kind = "host_notification"; $0.channel = "chat"
            })
            #expect(preview.message.textBody.hasPrefix(":calendar: Alex Sample, "), "\(preview.message.textBody)")
            #expect(preview.message.subject == "New: Alex Sample")
            #expect(preview.message.htmlBody.isEmpty)

            await expectRefused(.invalidArgument, fields: ["kind"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "chat"; $0.body = "x"
                })
            }
            await expectRefused(.invalidArgument, fields: ["html_body"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "host_notification"; $0.channel = "chat"; $0.body = "x"; $0.htmlBody = "<p>x</p>"
                })
            }
        }
    }
}
