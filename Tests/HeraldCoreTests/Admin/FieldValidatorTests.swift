import Foundation
import Testing

@testable import HeraldCore

@Suite("field validation")
struct FieldValidatorTests {
    @Test(arguments: [
        "ada@example.com", "first.last+tag@mail.example.co.uk", "x_y@sub-domain.example", "o'brien@example.ie",
    ])
    func acceptsEmailAddresses(_ address: String) {
        #expect(FieldValidator.isEmailAddress(address))
    }

    @Test(arguments: [
        "", "bob", "bob@", "@example.com", "bob@localhost", "bob@@example.com", "bob smith@example.com",
        "bob@example..com", ".bob@example.com", "bob@-example.com", "bob@example.com\r\nBcc: x@y.z", "bob@exa mple.com",
    ])
    func refusesWhatIsNotAnAddress(_ address: String) {
        #expect(!FieldValidator.isEmailAddress(address))
    }

    /// Whatever a mail header, a log line or a terminal could take for a line end.
    @Test(arguments: [
        "Eve\r\nBcc: evil@attacker.example", "Eve\nX", "Eve\rX", "Eve\u{85}Bcc: x", "Eve\u{2028}Bcc: x",
        "Eve\u{2029}X", "Eve\u{0}", "Eve\tX", "Eve\u{1b}[2J",
    ])
    func namesRefuseLineBreaksOfEveryKind(_ name: String) {
        var validator = FieldValidator()
        #expect(validator.text("customer_name", name, required: true) == nil)
        #expect(validator.violations.first?.field == "customer_name")
    }

    @Test(arguments: ["x'); DROP TABLE bookings;--", "{{#tenant}}{{secret}}{{/tenant}}", "Zoë \"Z\" <z@x> & Co", "李小龍"])
    func namesKeepAnyPrintableText(_ name: String) {
        var validator = FieldValidator()
        #expect(validator.text("customer_name", name, required: true) == name)
        #expect(validator.violations.isEmpty)
    }

    @Test(arguments: ["+4915112345678", "+14155552671", "+442071838750", "+1234567"])
    func acceptsE164(_ phone: String) {
        #expect(FieldValidator.isE164(phone))
    }

    @Test(arguments: ["4915112345678", "+0151123456", "+49 151 1234567", "+49", "+1234567890123456", "+49-151-1234", ""])
    func refusesNonE164(_ phone: String) {
        #expect(!FieldValidator.isE164(phone))
    }

    @Test func parsesISO8601WithOffsetsAndFractions() throws {
        let utc = try #require(Timestamp.parse("2025-08-17T15:30:00Z"))
        #expect(Timestamp.parse("2025-08-17T17:30:00+02:00") == utc)
        #expect(Timestamp.parse("2025-08-17T15:30:00.000Z") == utc)
        #expect(Timestamp.format(utc) == "2025-08-17T15:30:00Z")
    }

    @Test(arguments: [
        "", "2025-08-17", "2025-08-17T15:30:00", "2025-02-30T10:00:00Z", "17/08/2025 15:30", "2025-08-17T25:30:00Z",
        "tomorrow at noon", "2025-08-17T15:30:00Zjunk", "2025-08-17 15:30:00Z", "2025-08-17T15:30Z",
        "2025-08-17T15:30:00+2:00",
    ])
    func refusesAmbiguousOrMalformedTimes(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func reminderOffsetsAreSortedAndBounded() {
        var validator = FieldValidator()
        #expect(validator.reminderOffsets("r", [60, 1440, 15]) == [1440, 60, 15])
        #expect(validator.isValid)
        #expect(validator.reminderOffsets("r", []) == nil)
        #expect(validator.reminderOffsets("r", [0]) == nil)
        #expect(validator.reminderOffsets("r", [60, 60]) == nil)
        #expect(validator.reminderOffsets("r", [UInt32(31 * 24 * 60)]) == nil)
        #expect(validator.violations.count == 4)
        #expect(validator.violations.allSatisfy { $0.field == "r" })
    }

    @Test func timeZonesAreIANANamesIncludingEtc() {
        var validator = FieldValidator()
        #expect(validator.timeZone("tz", "Europe/Berlin") == "Europe/Berlin")
        #expect(validator.timeZone("tz", "UTC") == "UTC")
        #expect(validator.timeZone("tz", "Etc/UTC") == "Etc/UTC")
        #expect(validator.timeZone("tz", "Etc/GMT+5") == "Etc/GMT+5")
        #expect(validator.isValid)
        #expect(validator.timeZone("tz", "EST") == nil)
        #expect(validator.timeZone("tz", "Etc/Nowhere") == nil)
        #expect(validator.violations.count == 2)
    }

    @Test func everyViolationIsReportedTogether() {
        var validator = FieldValidator()
        _ = validator.email("customer_email", "nope")
        _ = validator.phone("customer_phone", "123")
        _ = validator.timeZone("timezone", "Mars/Base")
        _ = validator.httpURL("url", "ftp://example.com")
        #expect(throws: AdminError.self) { try validator.finish() }
        do {
            try validator.finish()
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.violations.map(\.field) == ["customer_email", "customer_phone", "timezone", "url"])
            #expect(error.message.contains("customer_email: \"nope\" is not an email address"))
        }
    }

    @Test func textRefusesControlCharacters() {
        var validator = FieldValidator()
        #expect(validator.text("name", "  Ada  ", required: true) == "Ada")
        #expect(validator.text("name", "Ada\r\nBcc: x", required: true) == nil)
        #expect(validator.text("name", "", required: true) == nil)
        #expect(validator.text("name", "", required: false) == "")
        #expect(validator.violations.count == 2)
    }

    @Test func identifiers() {
        var validator = FieldValidator()
        #expect(validator.identifier("id", "salon-1.main_2") == "salon-1.main_2")
        #expect(validator.identifier("id", "-leading") == nil)
        #expect(validator.identifier("id", "has space") == nil)
        #expect(validator.identifier("id", String(repeating: "a", count: 65)) == nil)
        #expect(validator.violations.count == 3)
    }
}
