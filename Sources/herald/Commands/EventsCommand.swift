import ArgumentParser
import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Logging

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List a tenant's stored booking events, oldest first.")

    @Argument(help: "The tenant's id.") var tenant: String
    @Option(help: "Only the events of this booking.") var booking: String?
    @Option(help: "Only events after this sequence number.") var after: UInt64 = 0
    @Option(help: "At most this many (default 100, at most 1000).") var limit: UInt32 = 100
    @OptionGroup var core: CoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let request = Herald_V1_ListEventsRequest.with {
            $0.tenantID = tenant
            $0.bookingID = booking ?? ""
            $0.afterSequence = after
            $0.limit = limit
        }
        let answer = try await CoreConnection.with(core) {
            try await $0.admin.listEvents(request)
        }
        if output.json {
            try printJSON(answer.events.map(EventView.init))
        } else {
            var table = Table("seq", "time", "type", "booking", "start", "status")
            for event in answer.events {
                table.append(eventRow(event))
            }
            print(table.render())
        }
    }
}

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print booking events and delivery outcomes live as the core publishes them.",
        discussion: """
            Booking events (booking.created, ...), delivery outcomes (delivery.sent, \
            delivery.failed, delivery.skipped, delivery.missed, delivery.cancelled) and \
            what providers reported after a send (delivery.undelivered, \
            delivery.delivered, delivery.read). Best effort: what is published while tail is not connected is not shown; \
            `herald events` and `herald log` list what is stored.
            """)

    @Option(
        name: .customLong("events"),
        help: ArgumentHelp("The core's events endpoint, or several cores' comma-separated to follow them all (default: $HERALD_EVENTS or tcp://127.0.0.1:7403).", valueName: "endpoint"))
    var endpoint: String?
    @Option(help: "Only events of this tenant.") var tenant: String?
    @Option(help: ArgumentHelp("Only event types starting with this, e.g. booking.cancelled or delivery.", valueName: "prefix"))
    var type: String = ""
    @Option(help: "Exit after this many events.") var count: Int?
    @OptionGroup var keys: CurveKeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let endpoint = endpoint ?? ProcessInfo.processInfo.environment["HERALD_EVENTS"] ?? "tcp://127.0.0.1:7403"
        var logger = Logger(label: "herald")
        logger.logLevel = .error
        let subscriber = try EventSubscriber(
            context: BusContext.shared, endpoint: endpoint, topics: [type], curve: try keys.resolved(), logger: logger)
        defer { subscriber.close() }
        var printed = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for await message in subscriber.events {
            // One line per event, written at once so a pipe sees it immediately.
            let line: String
            if message.topic.hasPrefix("delivery.") {
                guard let event = try? Herald_V1_DeliveryEvent(serializedBytes: message.payload) else { continue }
                if let tenant, event.entry.tenantID != tenant { continue }
                line = output.json
                    ? String(decoding: try encoder.encode(DeliveryEventView(event)), as: UTF8.self)
                    : deliveryRow(event).joined(separator: "  ")
            } else {
                guard let event = try? Herald_V1_BookingEvent(serializedBytes: message.payload) else { continue }
                if let tenant, event.tenantID != tenant { continue }
                line = output.json
                    ? String(decoding: try encoder.encode(EventView(event)), as: UTF8.self)
                    : eventRow(event).joined(separator: "  ")
            }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            printed += 1
            if let count, printed >= count { break }
        }
        if let failure = subscriber.handshakeFailure {
            printError(failure)
            throw ExitCode(CoreConnection.unavailableExitCode)
        }
    }
}

private func deliveryRow(_ event: Herald_V1_DeliveryEvent) -> [String] {
    let entry = event.entry
    return [
        entry.loggedAt, event.type, entry.kind, entry.channel, entry.provider, entry.recipient, entry.bookingID,
        entry.detail,
    ]
}

struct DeliveryEventView: Encodable {
    var type: String
    var entry: LogEntryView

    init(_ event: Herald_V1_DeliveryEvent) {
        type = event.type
        entry = LogEntryView(event.entry)
    }
}

private func eventRow(_ event: Herald_V1_BookingEvent) -> [String] {
    ["\(event.sequence)", event.occurredAt, event.type, event.bookingID, event.booking.startAt, event.booking.status.word]
}
