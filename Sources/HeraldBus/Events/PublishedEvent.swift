import Foundation

/// One message of the live event stream: a topic such as "booking.created" and
/// its payload (a serialized protobuf).
public struct PublishedEvent: Sendable, Hashable {
    public let topic: String
    public let payload: Data

    public init(topic: String, payload: Data) {
        self.topic = topic
        self.payload = payload
    }
}
