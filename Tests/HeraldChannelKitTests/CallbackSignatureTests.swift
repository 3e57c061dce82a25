import Foundation
import HeraldChannelKit
import Testing

@Suite struct CallbackSignatureTests {
    // Twilio's worked example (docs/usage/webhooks/webhooks-security): auth token 12345.
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let parameters: [(name: String, value: String)] = [
        // Out of order on purpose: the signature sorts them by name.
        ("To", "+18005551212"), ("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"),
        ("From", "+12349013030"), ("Caller", "+12349013030"),
    ]

    @Test func twilioSignaturesMatchTheDocumentedExample() {
        #expect(TwilioSignature.expected(authToken: "12345", url: url, parameters: parameters) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(TwilioSignature.isValid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", authToken: "12345", url: url, parameters: parameters))
    }

    @Test func twilioRefusesAnythingChanged() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        var tampered = parameters
        tampered[2].value = "9999"
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: url, parameters: tampered))
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: url, parameters: parameters + [("Extra", "1")]))
        #expect(!TwilioSignature.isValid(good, authToken: "12345", url: url + "&baz=3", parameters: parameters))
        #expect(!TwilioSignature.isValid(good, authToken: "54321", url: url, parameters: parameters))
        #expect(!TwilioSignature.isValid(String(good.dropLast()), authToken: "12345", url: url, parameters: parameters))
        #expect(!TwilioSignature.isValid(nil, authToken: "12345", url: url, parameters: parameters))
        #expect(!TwilioSignature.isValid("", authToken: "12345", url: url, parameters: parameters))
    }

    /// Parameters Twilio adds later take part like the others: a receipt with an
    /// unknown field, signed with it, checks out.
    @Test func twilioSignsUnknownParametersToo() {
        let more = parameters + [("ApiVersion", "2010-04-01"), ("SmsStatus", "delivered")]
        let signature = TwilioSignature.expected(authToken: "12345", url: url, parameters: more)
        #expect(TwilioSignature.isValid(signature, authToken: "12345", url: url, parameters: more))
        #expect(!TwilioSignature.isValid(signature, authToken: "12345", url: url, parameters: parameters))
    }

    // A status webhook body, signed with Python's hmac (an implementation of its own).
    let body = Data(#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.HBgL","status":"delivered","timestamp":"1750263773","recipient_id":"16505551234"}]}}]}]}"#.utf8)
    let bodySignature = "sha256=96fa1c9aae351073678e61b92031d68e5feae0eae928418bb698be6851553812"

    @Test func whatsAppSignaturesAreHexHMACSHA256OfTheRawBody() {
        #expect(WhatsAppSignature.expected(appSecret: "app-secret-123", body: body) == bodySignature)
        #expect(WhatsAppSignature.isValid(bodySignature, appSecret: "app-secret-123", body: body))
        #expect(WhatsAppSignature.isValid(bodySignature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="),
                                          appSecret: "app-secret-123", body: body))
    }

    @Test func whatsAppRefusesAnythingChanged() {
        var changed = body
        changed[changed.count - 5] = UInt8(ascii: "X")
        #expect(!WhatsAppSignature.isValid(bodySignature, appSecret: "app-secret-123", body: changed))
        #expect(!WhatsAppSignature.isValid(bodySignature, appSecret: "another", body: body))
        #expect(!WhatsAppSignature.isValid(String(bodySignature.dropFirst("sha256=".count)), appSecret: "app-secret-123", body: body))
        #expect(!WhatsAppSignature.isValid("sha1=" + bodySignature.dropFirst("sha256=".count), appSecret: "app-secret-123", body: body))
        #expect(!WhatsAppSignature.isValid(nil, appSecret: "app-secret-123", body: body))
    }

    // Vonage: the vector of Vonage's own client library tests (a=1, b=2,
    // timestamp=1461605396, secret "secret", md5hash).
    let vonageParameters: [(name: String, value: String)] = [("b", "2"), ("timestamp", "1461605396"), ("a", "1")]

    @Test func vonageSignaturesMatchTheLibraryVector() {
        #expect(VonageSignature.expected(secret: "secret", method: .md5hash, parameters: vonageParameters)
            == "6af838ef94998832dbfc29020b564830")
        let now = Date(timeIntervalSince1970: 1_461_605_396 + 60)
        let signed = vonageParameters + [("sig", "6AF838EF94998832DBFC29020B564830")] // either case
        #expect(VonageSignature.isValid(secret: "secret", method: .md5hash, parameters: signed, now: now))
    }

    @Test(arguments: VonageSignature.Method.allCases)
    func vonageRefusesTamperingReplaysAndMissingSignatures(method: VonageSignature.Method) {
        let now = Date(timeIntervalSince1970: 1_461_605_396)
        let sig = VonageSignature.expected(secret: "secret", method: method, parameters: vonageParameters)
        let signed = vonageParameters + [("sig", sig)]
        #expect(VonageSignature.isValid(secret: "secret", method: method, parameters: signed, now: now))
        #expect(!VonageSignature.isValid(secret: "other", method: method, parameters: signed, now: now))
        #expect(!VonageSignature.isValid(secret: "secret", method: method, parameters: signed + [("c", "3")], now: now))
        #expect(!VonageSignature.isValid(secret: "secret", method: method, parameters: vonageParameters, now: now))
        // Ten minutes later the same signed request is a replay.
        #expect(!VonageSignature.isValid(secret: "secret", method: method, parameters: signed, now: now + 600))
        // Values with & and = are signed with _ in their place, as Vonage does.
        let tricky = [("text", "a=b&c"), ("timestamp", "1461605396")]
        let trickySig = VonageSignature.expected(secret: "secret", method: method, parameters: tricky)
        #expect(trickySig == VonageSignature.expected(secret: "secret", method: method, parameters: [("text", "a_b_c"), ("timestamp", "1461605396")]))
    }

    @Test func whatsAppSignaturesCoverTheRawBody() {
        let body = Data(#"{"object":"whatsapp_business_account"}"#.utf8)
        let header = WhatsAppSignature.expected(appSecret: "app-secret", body: body)
        #expect(header.hasPrefix("sha256=") && header.count == 7 + 64)
        #expect(WhatsAppSignature.isValid(header.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), appSecret: "app-secret", body: body))
        #expect(!WhatsAppSignature.isValid(header, appSecret: "app-secret", body: body + Data(" ".utf8)))
        #expect(!WhatsAppSignature.isValid(header, appSecret: "other", body: body))
        #expect(!WhatsAppSignature.isValid(String(header.dropFirst(7)), appSecret: "app-secret", body: body))
    }

    @Test func formFieldsDecodeAsBrowsersEncodeThem() {
        let fields = FormEncoding.decode("To=%2B4915112340000&Body=Hi+Ada%2C+caf%C3%A9&Empty=&Flag&&Bad=%ZZ%4")
        #expect(fields.map(\.name) == ["To", "Body", "Empty", "Flag", "Bad"])
        #expect(fields.map(\.value) == ["+4915112340000", "Hi Ada, café", "", "", "%ZZ%4"])
        let original: [(name: String, value: String)] = [("a b", "x&y=z"), ("ü", "🙂")]
        let roundTrip = FormEncoding.decode(FormEncoding.encode(original))
        #expect(roundTrip.map(\.name) == original.map(\.name) && roundTrip.map(\.value) == original.map(\.value))
    }
}
