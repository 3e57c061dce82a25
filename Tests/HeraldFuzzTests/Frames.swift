import Foundation
import HeraldProto
import PropertyBased
import SwiftProtobuf

/// Frames a hostile peer might send: random bytes, and valid messages mutated
/// the way fuzzers do (bits flipped, bytes overwritten, cut short, ranges
/// repeated or removed, two messages spliced), which reach much deeper into a
/// decoder than noise does.
enum Frames {
    /// 0-600 random bytes.
    static let random: Generator<Data, Shrink.None<Data>> = Generator { rng in
        let count = Int.random(in: 0...600, using: &rng)
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// One of `corpus`, mutated one to four times.
    static func mutated(_ corpus: [Data]) -> Generator<Data, Shrink.None<Data>> {
        Generator { rng in
            var bytes = [UInt8](corpus.randomElement(using: &rng) ?? Data())
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&bytes, corpus: corpus, using: &rng)
            }
            return Data(bytes)
        }
    }

    /// Mostly mutated messages, some noise.
    static func hostile(_ corpus: [Data]) -> Generator<Data, Shrink.None<Data>> {
        let mutated = mutated(corpus)
        return Generator { rng in
            Int.random(in: 0..<4, using: &rng) == 0 ? random.run(using: &rng) : mutated.run(using: &rng)
        }
    }

    private static func mutate(_ bytes: inout [UInt8], corpus: [Data], using rng: inout some RandomNumberGenerator) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 1 where !bytes.isEmpty:
            // Values that sit on the edges of varints and lengths.
            bytes[position] = [0x00, 0x01, 0x7F, 0x80, 0xFF].randomElement(using: &rng)!
        case 2:
            bytes = Array(bytes.prefix(position))
        case 3:
            let count = Int.random(in: 1...16, using: &rng)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: position)
        case 4 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &rng))
            bytes.removeSubrange(position..<end)
        case 5 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        default:
            bytes += corpus.randomElement(using: &rng) ?? Data()
        }
    }
}

/// Valid messages of each protocol, the seeds that mutations start from.
enum Corpus {
    static func frames(_ messages: [any SwiftProtobuf.Message]) -> [Data] {
        messages.map { try! $0.serializedData() }
    }

    static let register = Herald_V1_Register.with {
        $0.protocolVersion = .protocolVersion1
        $0.channel = "email"
        $0.provider = "smtp"
        $0.instanceID = "fuzz-1"
        $0.pluginVersion = "1.0"
        $0.maxInFlight = 4
        $0.capabilities = ["html"]
    }

    static let workerMessages: [Herald_V1_WorkerMessage] = [
        .with { $0.register = register },
        .with { $0.heartbeat = .with { $0.sentAtMs = 1_700_000_000_000; $0.inFlight = 2 } },
        .with {
            $0.result = .with {
                $0.deliveryID = "job_1"; $0.attempt = 1; $0.outcome = .sent; $0.provider = "smtp"; $0.providerMessageID = "m1"
            }
        },
        .with { $0.result = .with { $0.deliveryID = "job_1"; $0.attempt = 2; $0.outcome = .retry; $0.retryAfterMs = 5000 } },
        .with {
            $0.result = .with {
                $0.deliveryID = "job_2"; $0.attempt = 1; $0.outcome = .failed; $0.errorCode = "550"; $0.recipientGone = true
            }
        },
        .with { $0.goodbye = .with { $0.reason = "stopping" } },
    ]

    static let coreMessages: [Herald_V1_CoreMessage] = [
        .with { $0.welcome = .with { $0.heartbeatIntervalMs = 5000; $0.leaseMs = 60_000; $0.coreVersion = "1" } },
        .with { $0.reject = .with { $0.reason = "not registered" } },
        .with { $0.heartbeat = .with { $0.sentAtMs = 1 } },
        .with { $0.shutdown = .with { $0.reason = "bye" } },
        .with {
            $0.delivery = .with {
                $0.deliveryID = "job_1"; $0.attempt = 1; $0.tenantID = "t"; $0.bookingID = "b"; $0.kind = .reminder
                $0.channel = "email"; $0.provider = "smtp"
                $0.recipient = .with { $0.name = "Ada"; $0.email = "ada@example.com"; $0.address = "ada@example.com" }
                $0.message = .with { $0.subject = "Reminder"; $0.textBody = "Tomorrow at 10"; $0.htmlBody = "<p>Tomorrow</p>" }
                $0.notAfterMs = 1_900_000_000_000
            }
        },
        .with {
            $0.delivery = .with {
                $0.deliveryID = "job_2"; $0.attempt = 3; $0.kind = .webhook; $0.channel = "webhook"
                $0.webhook = .with { $0.url = "https://example.com/h"; $0.secret = "whsec_x"; $0.body = Data("{}".utf8) }
            }
        },
    ]
}
