import Testing
@testable import CrateFeed

@Suite struct CrateFeedEventTests {
    @Test func messageIDsAre128BitLowercaseHexAndUnique() {
        let ids = CrateFeedEvent.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.count == 32 && id.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }, "\(id)")
        }
    }

    @Test func metadataNamesTheEventAndKeepsTheRest() {
        let metadata = CrateFeedEvent.backpressureOn.metadata(["spool_bytes": "1073741824"])
        #expect(metadata["event"] == "backpressure_on")
        #expect(metadata["spool_bytes"] == "1073741824")
    }
}
