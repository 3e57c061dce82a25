import Foundation
import HeraldProto
import PropertyBased
import SwiftProtobuf
import Testing

/// Every protobuf message Herald decodes from a socket, fed hostile frames:
/// decoding throws or yields a message that encodes and decodes back to
/// itself, and never traps.
@Suite("decoder fuzz", .timeLimit(.minutes(2)))
struct DecoderFuzzTests {
    static let corpus: [Data] =
        Corpus.frames(Corpus.workerMessages) + Corpus.frames(Corpus.coreMessages) + Corpus.frames(AdminCorpus.requests)
        + Corpus.frames(AdminCorpus.rpcRequests) + Corpus.frames(AdminCorpus.responses)

    @Test func everyProtoMessageIsFuzzed() throws {
        let protoDirectory = URL(filePath: #filePath).deletingLastPathComponent()
            .appending(path: "../../proto/herald/v1").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: protoDirectory.path)
            .filter { $0.hasSuffix(".proto") }
        #expect(files.count >= 4)
        var declared: Set<String> = []
        for file in files {
            let text = try String(contentsOf: protoDirectory.appending(path: file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("message ") {
                declared.insert("herald.v1." + line.dropFirst("message ".count).prefix { $0 != " " && $0 != "{" })
            }
        }
        let fuzzed = Set(AllMessages.types.map { $0.protoMessageName })
        #expect(declared.subtracting(fuzzed).isEmpty, "not fuzzed: \(declared.subtracting(fuzzed).sorted())")
    }

    @Test func everyMessageTypeSurvivesHostileFrames() async {
        let types = AllMessages.types
        await propertyCheck(count: 3000, input: Gen.int(in: 0...(types.count - 1)), Frames.hostile(Self.corpus)) { index, frame in
            Self.roundTrip(types[index], frame)
        }
    }

    /// The messages that arrive on sockets, each given its own share of runs.
    @Test(arguments: [
        Herald_V1_WorkerMessage.self, Herald_V1_CoreMessage.self, Herald_V1_RpcRequest.self, Herald_V1_RpcResponse.self,
        Herald_V1_BookingEvent.self, Herald_V1_DeliveryEvent.self,
    ] as [any SwiftProtobuf.Message.Type])
    func wireMessagesSurviveHostileFrames(_ type: any SwiftProtobuf.Message.Type) async {
        await propertyCheck(count: 1000, input: Frames.hostile(Self.corpus)) { frame in
            Self.roundTrip(type, frame)
        }
    }

    /// Unknown groups nest without a schema to bound them; 100 000 of them
    /// unclosed are refused, not a stack overflow.
    @Test func deeplyNestedUnknownGroupsAreRefused() {
        let frame = Data(repeating: 0x7B, count: 100_000)  // "start group, field 15", again and again
        for type in [Herald_V1_WorkerMessage.self, Herald_V1_RpcRequest.self] as [any SwiftProtobuf.Message.Type] {
            #expect(throws: (any Error).self) { try type.init(serializedBytes: frame) }
        }
    }

    static func roundTrip(_ type: any SwiftProtobuf.Message.Type, _ frame: Data) {
        guard let message = try? type.init(serializedBytes: frame) else { return }
        do {
            let again = try type.init(serializedBytes: try message.serializedData())
            #expect(again.isEqualTo(message: message), "\(type.protoMessageName) does not round-trip")
        } catch {
            Issue.record("a decoded \(type.protoMessageName) does not encode and decode again: \(error)")
        }
    }

}
