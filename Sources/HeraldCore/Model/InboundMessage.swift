import Foundation

/// A message a customer sent to a channel's number, as its channel forwarded it.
public struct InboundMessage: Sendable, Equatable {
    /// "sms" or "whatsapp": the channel of the worker that forwarded it.
    public var channel: String
    public var provider: String
    public var providerMessageID: String
    /// The customer, E.164.
    public var from: String
    public var text: String
    /// The provider's own reading, when it gives one (Twilio's OptOutType).
    public var optOutType: String?
    public var receivedAt: Date

    public init(
        channel: String, provider: String, providerMessageID: String = "", from: String, text: String,
        optOutType: String? = nil, receivedAt: Date
    ) {
        self.channel = channel
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.from = from
        self.text = text
        self.optOutType = optOutType
        self.receivedAt = receivedAt
    }

    /// The channels customers write back on (a phone number is the sender).
    public static let channels: Set<String> = ["sms", "whatsapp"]

    /// What the message means for the sender's consent on this channel.
    public var meaning: ReplyMeaning? { ReplyMeaning(text: text, optOutType: optOutType) }
}

/// The opt-out keywords carriers and providers honour (the CTIA's list, which
/// Twilio's and Vonage's defaults follow): the whole message, one word, any case.
public enum ReplyMeaning: String, Sendable, Equatable {
    case stop
    case start

    /// A reply as the keyword rules read it: trimmed, trailing punctuation dropped, upper case.
    public static func word(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)).uppercased()
    }

    static let stopWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]
    static let startWords: Set<String> = ["START", "UNSTOP"]

    /// The provider's reading wins; otherwise the text, trimmed, upper-cased, trailing
    /// punctuation dropped, must be one of the words ("stop", "Stop!", "STOP " are
    /// STOP; "please stop texting me" is not: carriers go by the keyword).
    public init?(text: String, optOutType: String?) {
        if let optOutType, !optOutType.isEmpty {
            switch optOutType.uppercased() {
            case "STOP": self = .stop
            case "START": self = .start
            default: return nil // HELP: the provider answers it
            }
            return
        }
        let word = Self.word(text)
        if Self.stopWords.contains(word) {
            self = .stop
        } else if Self.startWords.contains(word) {
            self = .start
        } else {
            return nil
        }
    }
}

/// What ``DispatchStore/applyInbound(_:)`` did with one message.
public enum InboundDisposition: Sendable, Equatable {
    /// STOP: the sender is on the suppression list of these tenants, on its channel.
    case optedOut(tenants: [String])
    /// START: the sender is off the suppression list of these tenants, on its channel.
    case optedIn(tenants: [String])
    /// Not an opt-out keyword, and a tenant that has a booking for the sender has reply
    /// keywords: kept as a ``PendingReply`` until it has acted.
    case reply
    /// Not an opt-out keyword, or no tenant has a booking for the sender (with reply
    /// keywords, for a message that is not an opt-out).
    case ignored
    /// The provider sent this message (its id) before: already applied, nothing changes.
    case duplicate
}

extension InboundMessage {
    /// How long the message ids of customers' messages are kept to spot a provider
    /// sending one again (after a 503, or a replay).
    public static let remembered: TimeInterval = 7 * 86_400
}

/// A customer's reply kept until it has acted (``ReplyKeywords``): stored with the
/// message, in the transaction that acknowledges it to the channel, so a core that
/// stops before acting finds it again when it starts.
///
/// The booking a reply acts on is decided once and stored (``decision``) before the
/// action: acting again after a crash confirms or cancels that same booking (which
/// changes nothing the second time), never the customer's next one.
public struct PendingReply: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case confirm, cancel
    }

    public struct Decision: Sendable, Equatable {
        public var bookingID: String
        public var action: Action

        public init(bookingID: String, action: Action) {
            self.bookingID = bookingID
            self.action = action
        }
    }

    public var id: Int64
    public var message: InboundMessage
    public var decision: Decision?

    public init(id: Int64, message: InboundMessage, decision: Decision? = nil) {
        self.id = id
        self.message = message
        self.decision = decision
    }

    /// The decision as stored: both columns set, or none.
    public static func decision(bookingID: String?, action: String?) -> Decision? {
        guard let bookingID, let action = action.flatMap(Action.init(rawValue:)) else { return nil }
        return Decision(bookingID: bookingID, action: action)
    }
}
