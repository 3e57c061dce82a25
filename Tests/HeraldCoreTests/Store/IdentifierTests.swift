import Foundation
import HeraldCore
import Testing

@Suite("Identifier")
struct IdentifierTests {
    @Test func idsHaveThePrefixAnd26CrockfordCharacters() {
        let id = Identifier.make(prefix: "bk")
        #expect(id.hasPrefix("bk_"))
        let body = id.dropFirst(3)
        #expect(body.count == 26)
        #expect(body.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
    }

    @Test func idsAreUniqueAndSortInCreationOrder() {
        // Many ids per millisecond: ordering must not depend on the clock ticking.
        let ids = (0..<10_000).map { _ in Identifier.make(prefix: "job") }
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
    }

    @Test func idsFromConcurrentTasksAreUnique() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<1_000).map { _ in Identifier.make(prefix: "evt") } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 4_000)
    }

    @Test func laterIdsSortAfterEarlierOnes() async throws {
        let earlier = Identifier.make(prefix: "bk")
        try await Task.sleep(for: .milliseconds(3))
        #expect(Identifier.make(prefix: "bk") > earlier)
    }
}
