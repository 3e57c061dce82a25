import Testing

@testable import HeraldCore

@Suite("recipients as admins see them")
struct RecipientDisplayTests {
    @Test(arguments: [
        ("https://hooks.slack.com/services/T000/B000/XXXXYYYYZZZZ1234", "chat", "https://hooks.slack.com/…1234"),
        ("https://chat.example:8443/hooks/abc", "chat", "https://chat.example:8443/…"),
        ("http://127.0.0.1:9/hook/CHtok_Pw4Jx93KdLeakCheck/500", "pager", "http://127.0.0.1:9/…/500"),
        ("desk@salon.example", "email", "desk@salon.example"),
        ("+4915112345678", "sms", "+4915112345678"),
        ("https://hooks.example.com/herald", "webhook", "https://hooks.example.com/herald"),
        ("room-42", "pager", "room-42"),
    ])
    func chatURLsAreShownByTheirHostOnly(recipient: String, channel: String, shown: String) {
        #expect(RecipientDisplay.shown(recipient, channel: channel) == shown)
    }
}
