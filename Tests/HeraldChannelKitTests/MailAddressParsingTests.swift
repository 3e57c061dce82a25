import Foundation
import HeraldChannelKit
import Testing

/// `SMTP_FROM` as mail settings write it: a bare address, or a name and an address.
@Suite("MailAddress.parse reads the forms mail settings use")
struct MailAddressParsingTests {
    static func parse(_ text: String) throws(MailMessageError) -> MailAddress {
        try MailAddress.parse(text, field: "SMTP_FROM")
    }

    static func base64Word(_ text: String) -> String { "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?=" }

    @Test(arguments: [
        ("bookings@acme.test", "", "bookings@acme.test"),
        ("  bookings@acme.test  ", "", "bookings@acme.test"),
        ("<bookings@acme.test>", "", "bookings@acme.test"),
        ("Acme Salon <bookings@acme.test>", "Acme Salon", "bookings@acme.test"),
        ("Acme Salon<bookings@acme.test>", "Acme Salon", "bookings@acme.test"),
        ("  Acme   Salon   <bookings@acme.test>", "Acme Salon", "bookings@acme.test"),
        ("J. Smith <j@acme.test>", "J. Smith", "j@acme.test"),
        ("\"Acme, Salon\" <bookings@acme.test>", "Acme, Salon", "bookings@acme.test"),
        ("\"Acme \\\"Best\\\" Salon\" <bookings@acme.test>", "Acme \"Best\" Salon", "bookings@acme.test"),
        ("\"<weird> @ name\" <bookings@acme.test>", "<weird> @ name", "bookings@acme.test"),
        ("Salon Lumière <bookings@acme.test>", "Salon Lumière", "bookings@acme.test"),
        ("=?UTF-8?B?U2Fsb24gTHVtacOocmU=?= <bookings@acme.test>", "Salon Lumière", "bookings@acme.test"),
        ("=?utf-8?q?Salon_Lumi=C3=A8re?= <bookings@acme.test>", "Salon Lumière", "bookings@acme.test"),
        ("=?ISO-8859-1?Q?Caf=E9?= Acme <bookings@acme.test>", "Café Acme", "bookings@acme.test"),
        ("=?UTF-8?B?U2Fsb24g?= =?UTF-8?B?THVtacOocmU=?= <bookings@acme.test>", "Salon Lumière", "bookings@acme.test"),
    ])
    func acceptedForms(text: String, name: String, address: String) throws {
        let mailbox = try Self.parse(text)
        #expect(mailbox.name == name)
        #expect(mailbox.address == address)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("Acme Salon", "is not an email address"),
        ("Acme <bookings@acme.test>\r\nBcc: evil@attacker.test", "control character (U+000D)"),
        ("Acme\n <bookings@acme.test>", "control character (U+000A)"),
        ("Acme, Salon <bookings@acme.test>", "has ',' in an unquoted name"),
        ("Acme <bookings@acme.test", "no closing '>'"),
        ("Acme <bookings@acme.test> trailing", "text after"),
        ("Acme <bookings@acme.test>>", "does not close"),
        ("Acme <<bookings@acme.test>", "more than one '<'"),
        ("Acme bookings@acme.test>", "without '<'"),
        ("Acme <not an address>", "is not an email address"),
        ("Acme <>", "is not an email address"),
        ("\"Acme <bookings@acme.test>", "without its closing"),
        ("\"Acme\" Salon <bookings@acme.test>", "quote the whole name"),
        ("=?UTF-8?B?not base64!?= <bookings@acme.test>", "malformed encoded-word"),
        ("=?UTF-8?X?abc?= <bookings@acme.test>", "malformed encoded-word"),
        ("=?UTF-8?Q?bad=ZZ?= <bookings@acme.test>", "malformed encoded-word"),
        ("=?KOI8-R?B?QQ==?= <bookings@acme.test>", "use UTF-8"),
        ("=?UTF-8?B?QQ <bookings@acme.test>", "malformed encoded-word"),
        // A line break smuggled inside an encoded-word is refused after decoding.
        ("=?UTF-8?B?QWNtZQ0KQmNjOiBldmls?= <bookings@acme.test>", "control character (U+000D)"),
    ])
    func refusedForms(text: String, reason: String) {
        do {
            let mailbox = try Self.parse(text)
            Issue.record("accepted \"\(text)\" as \(mailbox)")
        } catch {
            #expect(error.field.hasPrefix("SMTP_FROM"), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    static func settings(_ from: String) throws -> SMTPChannel.Settings {
        try SMTPChannel.settings(from: ["SMTP_URL": "smtps://mail.acme.test", "SMTP_FROM": from])
    }

    static func fromHeader(senderName: String, smtpFrom: String) throws -> String {
        let settings = try Self.settings(smtpFrom)
        let sender = try SMTPChannel.sender(of: .with { $0.senderName = senderName }, settings: settings)
        let raw = try MailMessage(
            from: sender, to: MailAddress("zoe@example.com", field: "recipient"), subject: "Hi", textBody: "Hello",
            messageID: "m@acme.test"
        ).rendered()
        return try #require(try ParsedMessage(raw).header("From"))
    }

    /// The tenant's sender name wins; SMTP_FROM's name stands in when it has none;
    /// either is written as a quoted-string (ASCII) or as encoded-words (otherwise).
    @Test func theFromHeaderNamesTheTenantElseSMTPFrom() throws {
        let smtpFrom = "\"Acme, Bookings\" <bookings@acme.test>"
        #expect(try Self.settings(smtpFrom).from.address == "bookings@acme.test")
        #expect(try Self.fromHeader(senderName: "Salon", smtpFrom: smtpFrom) == "\"Salon\" <bookings@acme.test>")
        #expect(try Self.fromHeader(senderName: "", smtpFrom: smtpFrom) == "\"Acme, Bookings\" <bookings@acme.test>")

        let encoded = try Self.fromHeader(senderName: "", smtpFrom: Self.base64Word("Acmé Bookings") + " <bookings@acme.test>")
        #expect(encoded.hasPrefix("=?UTF-8?B?"), "\(encoded)")
        #expect(decodeWords(encoded) == "Acmé Bookings <bookings@acme.test>")

        #expect(try Self.fromHeader(senderName: "", smtpFrom: "bookings@acme.test") == "bookings@acme.test")
    }
}
