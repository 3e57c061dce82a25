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
}
