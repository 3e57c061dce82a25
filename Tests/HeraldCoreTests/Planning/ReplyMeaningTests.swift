import Testing

@testable import HeraldCore

@Suite("replies: opt-out keywords")
struct ReplyMeaningTests {
    @Test(arguments: ["STOP", "stop", " Stop! ", "STOPALL", "unsubscribe", "Cancel", "END", "quit."])
    func stopWordsOptOut(text: String) {
        #expect(ReplyMeaning(text: text, optOutType: nil) == .stop)
    }

    @Test(arguments: ["START", "start", "Unstop"])
    func startWordsOptIn(text: String) {
        #expect(ReplyMeaning(text: text, optOutType: nil) == .start)
    }

    @Test(arguments: ["please stop texting me", "C", "yes", "", "STOP STOP", "HELP"])
    func anythingElseMeansNothing(text: String) {
        #expect(ReplyMeaning(text: text, optOutType: nil) == nil)
    }

    @Test func theProvidersReadingWins() {
        #expect(ReplyMeaning(text: "arret", optOutType: "STOP") == .stop)
        #expect(ReplyMeaning(text: "STOP", optOutType: "HELP") == nil)
        #expect(ReplyMeaning(text: "whatever", optOutType: "start") == .start)
    }
}
