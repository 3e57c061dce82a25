import Foundation
import Testing

@testable import HeraldCore

/// The keys of customers' links, in every store: one current key however many cores
/// start at once, rotation retires it, keys past retirement go.
@Suite("store contract: link keys")
struct LinkKeyContractTests {
    static func key(_ id: String, minutes: Double) -> LinkKey {
        LinkKey(id: id, secret: Data((0..<32).map { UInt8($0) ^ UInt8(id.count) }), createdAt: Fixture.minutes(minutes))
    }

    @Test(arguments: StoreFactory.all) func thereIsOneCurrentKeyAndRotationRetiresIt(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.linkKeys().isEmpty)
            let first = try await store.addLinkKeyIfNone(Self.key("lk_a", minutes: 0))
            #expect(first == [Self.key("lk_a", minutes: 0)])
            // A second core starting at once: its key is not stored.
            #expect(try await store.addLinkKeyIfNone(Self.key("lk_b", minutes: 0)) == first)

            let rotated = try await store.rotateLinkKeys(
                to: Self.key("lk_c", minutes: 5), retiring: Fixture.minutes(65), now: Fixture.minutes(5))
            #expect(rotated.map(\.id) == ["lk_c", "lk_a"])
            #expect(rotated.map(\.retiresAt) == [nil, Fixture.minutes(65)])
            #expect(rotated.first?.secret == Self.key("lk_c", minutes: 5).secret)

            // The next rotation after lk_a retired deletes it; lk_c retires at once.
            let again = try await store.rotateLinkKeys(
                to: Self.key("lk_d", minutes: 70), retiring: Fixture.minutes(70), now: Fixture.minutes(70))
            #expect(again.map(\.id) == ["lk_d"])
            #expect(try await store.linkKeys() == again)
        }
    }
}
