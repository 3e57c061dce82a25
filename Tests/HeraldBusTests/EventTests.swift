import Foundation
import HeraldBus
import HeraldTesting
import Testing

@Suite struct EventTests {
    @Test func subscribersGetTheTopicsTheyAskForAndNoOthers() async throws {
        let publisher = try EventPublisher(context: testContext, endpoint: anyPort, logger: testLogger)
        defer { publisher.close() }
        let subscriber = try EventSubscriber(
            context: testContext, endpoint: publisher.boundEndpoint, topics: ["booking."], logger: testLogger)
        defer { subscriber.close() }

        // PUB drops everything until the subscription has reached it (the slow
        // joiner), so keep publishing until events arrive. Each round publishes an
        // unwanted topic first: if filtering were broken, it would show up.
        let received = try await withTimeout("three booking events", within: .seconds(10)) {
            try await withThrowingTaskGroup(of: [PublishedEvent].self) { group in
                group.addTask {
                    var events: [PublishedEvent] = []
                    for await event in subscriber.events {
                        events.append(event)
                        if events.count == 3 { break }
                    }
                    return events
                }
                group.addTask {
                    var round = 0
                    while true {
                        round += 1
                        publisher.publish(topic: "delivery.sent", payload: Data("d\(round)".utf8))
                        publisher.publish(topic: "booking.created", payload: Data("b\(round)".utf8))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
        #expect(received.count == 3)
        #expect(received.allSatisfy { $0.topic == "booking.created" })
        #expect(received.allSatisfy { String(decoding: $0.payload, as: UTF8.self).hasPrefix("b") })
    }

    @Test func closingASubscriberFinishesItsStream() async throws {
        let publisher = try EventPublisher(context: testContext, endpoint: anyPort, logger: testLogger)
        defer { publisher.close() }
        let subscriber = try EventSubscriber(context: testContext, endpoint: publisher.boundEndpoint, logger: testLogger)
        subscriber.close()
        let count = try await withTimeout("the event stream to finish", within: .seconds(15)) {
            var count = 0
            for await _ in subscriber.events { count += 1 }
            return count
        }
        #expect(count == 0)
    }
}
