import Foundation
import HeraldTesting
import Testing
@testable import HeraldChannelKit

@Suite("HTTP pieces")
struct HTTPTests {
    // MARK: Form encoding

    @Test func formEncodingEscapesLikeABrowser() {
        let body = FormEncoding.encode([
            ("To", "+4915112345678"), ("Body", "Hi Ada & Bob: 50% off = café?"), ("a*b-c._d", "~/"),
        ])
        #expect(body == "To=%2B4915112345678&Body=Hi+Ada+%26+Bob%3A+50%25+off+%3D+caf%C3%A9%3F&a*b-c._d=%7E%2F")
    }

    @Test func formEncodingKeepsOrderAndEmptyValues() {
        #expect(FormEncoding.encode([("b", ""), ("a", "1")]) == "b=&a=1")
        #expect(FormEncoding.encode([]) == "")
        #expect(FormEncoding.encode([("emoji", "🌸\n")]) == "emoji=%F0%9F%8C%B8%0A")
    }

    // MARK: Retry-After

    @Test func retryAfterInSeconds() {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 0 ") == .zero)
        #expect(RetryAfter.parse("99999999999999999999") == .seconds(7 * 86_400), "clamped, not overflowed")
        #expect(RetryAfter.parse("-5") == nil)
        #expect(RetryAfter.parse("1.5") == nil)
        #expect(RetryAfter.parse("") == nil)
        #expect(RetryAfter.parse("soon") == nil)
    }

    @Test func retryAfterAsHTTPDate() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:47 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Sun Nov  6 08:49:57 1994", now: now) == .seconds(20))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero, "a past date means now")
    }

    @Test func responseHeadersAreCaseInsensitive() {
        let response = HTTPResponse(status: 429, headers: [HTTPHeader("retry-after", "3"), HTTPHeader("X-A", "1")])
        #expect(response.header("Retry-After") == "3")
        #expect(response.header("x-a") == "1")
        #expect(response.retryAfter() == .seconds(3))
        #expect(HTTPResponse(status: 500).retryAfter() == nil)
    }

    @Test func authorizationIsNeverPrinted() {
        let header = HTTPHeader.basicAuthorization(user: "AC1", password: "token")
        #expect(header.value == "Basic " + Data("AC1:token".utf8).base64EncodedString())
        #expect(!"\(header)".contains(header.value))
        #expect(HTTPHeader.bearerAuthorization("abc").value == "Bearer abc")
    }

    @Test func secretsAreRedactedFromOutcomes() {
        let outcome = Outcome.failed(error: "bad key s3cret-value given", code: "4").redactingSecrets(["s3cret-value"])
        #expect(outcome == .failed(error: "bad key <redacted> given", code: "4"))
    }

    // MARK: The client

    @Test func headerInjectionIsRefusedBeforeSending() async {
        let client = HTTPClient()
        for request in [
            HTTPRequest(url: "http://127.0.0.1:1/", headers: [HTTPHeader("X-A", "1\r\nX-Injected: 2")]),
            HTTPRequest(url: "http://127.0.0.1:1/\r\nX: 1"),
            HTTPRequest(method: "PO ST", url: "http://127.0.0.1:1/"),
        ] {
            await #expect(throws: HTTPError.self) { _ = try await client.send(request) }
            do { _ = try await client.send(request) } catch { #expect(error.kind == .invalidRequest) }
        }
    }

    @Test func otherSchemesAreNotSpoken() async {
        do {
            _ = try await HTTPClient().send(HTTPRequest(url: "file:///etc/passwd"))
            Issue.record("a file: URL was read")
        } catch {
            #expect(error.kind == .invalidRequest, "\(error)")
        }
    }

    @Test func aClosedPortIsAConnectionErrorWorthRetrying() async throws {
        let refusing = try RefusingPort()
        do {
            _ = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(refusing.port)/", timeout: .seconds(5)))
            Issue.record("a closed port answered")
        } catch {
            #expect(error.kind == .connection, "\(error)")
            if case .retry = error.outcome {} else { Issue.record("not a retry: \(error.outcome)") }
        }
        withExtendedLifetime(refusing) {}
    }

    @Test func urlsAreParsedByLibcurl() throws {
        let url = try #require(HTTPURL("https://Hooks.Example.com/a?b=c"))
        #expect(url.scheme == "https")
        #expect(url.port == 443)
        #expect(url.hostAddress == nil)
        let v6 = try #require(HTTPURL("http://[::1]:8080/hook"))
        #expect(v6.host == "::1")
        #expect(v6.port == 8080)
        #expect(v6.hostAddress == IPAddress("::1"))
        // The user-info trick: the host is what comes after the last @.
        #expect(HTTPURL("http://example.com@127.0.0.1/")?.host == "127.0.0.1")
        #expect(HTTPURL("not a url") == nil)
        #expect(HTTPURL("/relative/path") == nil)
        #expect(HTTPURL("ftp://example.com/")?.isHTTP == false)
    }

    // MARK: Standard Webhooks

    /// The example of the Standard Webhooks specification's reference libraries.
    @Test func signatureMatchesTheReferenceVector() throws {
        let signer = try StandardWebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = signer.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        // The prefix is optional; the key is the same.
        let bare = try StandardWebhookSigner(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(bare.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8)) == signature)
    }

    @Test func signerHeadersAndBadSecrets() throws {
        let signer = try StandardWebhookSigner(secret: "whsec_" + Data("key".utf8).base64EncodedString())
        let headers = signer.headers(id: "d-1", timestamp: 1700000000, body: Data("{}".utf8))
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[0].value == "d-1")
        #expect(headers[1].value == "1700000000")
        #expect(headers[2].value.hasPrefix("v1,"))
        #expect(throws: StandardWebhookSigner.InvalidSecret.self) { try StandardWebhookSigner(secret: "whsec_***") }
        #expect(throws: StandardWebhookSigner.InvalidSecret.self) { try StandardWebhookSigner(secret: "") }
    }
}

@Suite("Webhook target addresses")
struct AddressTests {
    @Test(arguments: [
        ("8.8.8.8", AddressScope.global), ("1.1.1.1", .global), ("100.63.255.255", .global), ("100.128.0.0", .global),
        ("172.15.255.255", .global), ("172.32.0.0", .global), ("192.169.0.1", .global),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("10.0.0.1", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
        ("169.254.169.254", .linkLocal), ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace),
        ("192.0.2.1", .documentation), ("198.51.100.7", .documentation), ("203.0.113.9", .documentation),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("240.0.0.1", .reserved), ("255.255.255.255", .broadcast),
        ("198.18.0.1", .reserved), ("192.0.0.8", .reserved),
    ])
    func ipv4(address: String, scope: AddressScope) throws {
        #expect(AddressScope.of(try #require(IPAddress(address))) == scope)
    }

    @Test(arguments: [
        ("2606:4700:4700::1111", AddressScope.global), ("2a00:1450:4001:82b::200e", .global),
        ("::", .unspecified), ("::1", .loopback),
        ("fc00::1", .private), ("fd12:3456:789a::1", .private), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("fec0::1", .private), ("ff02::1", .multicast), ("2001:db8::1", .documentation), ("2001:0:4136:e378::1", .reserved),
        // IPv4 inside IPv6 is judged as the IPv4 address it reaches.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:10.1.2.3", .private), ("::ffff:8.8.8.8", .global),
        ("64:ff9b::a9fe:a9fe", .linkLocal), ("64:ff9b::808:808", .global), ("2002:c0a8:0101::1", .private),
        ("::127.0.0.1", .reserved),
    ])
    func ipv6(address: String, scope: AddressScope) throws {
        #expect(AddressScope.of(try #require(IPAddress(address))) == scope)
    }

    @Test func parsingIsStrict() {
        #expect(IPAddress("127.1") == nil)
        #expect(IPAddress("0x7f.0.0.1") == nil)
        #expect(IPAddress("2130706433") == nil)
        #expect(IPAddress("[::1]") == IPAddress("::1"))
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("::1")?.uriLiteral == "[::1]")
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.0/") == nil)
        #expect(IPNetwork("fc00::/7")?.contains(IPAddress("fdff::1")!) == true)
        #expect(IPNetwork("fc00::/7")?.contains(IPAddress("fe00::1")!) == false)
        #expect(IPNetwork("10.0.0.0/8")?.contains(IPAddress("::ffff:10.0.0.1")!) == false, "families differ")
    }

    @Test func allowListTakesHostsAddressesAndBlocks() throws {
        let list = try AddressAllowList(parsing: " hooks.internal. , 10.1.0.0/16,192.168.5.5, ::1 ,::ffff:172.16.0.0/108,,")
        #expect(list.hosts == ["hooks.internal"])
        #expect(list.permits(host: "Hooks.Internal", address: IPAddress("10.9.9.9")!))
        #expect(list.permits(host: "other", address: IPAddress("10.1.200.3")!))
        #expect(!list.permits(host: "other", address: IPAddress("10.2.0.1")!))
        #expect(list.permits(host: "other", address: IPAddress("192.168.5.5")!))
        #expect(!list.permits(host: "other", address: IPAddress("192.168.5.6")!))
        #expect(list.permits(host: "other", address: IPAddress("::1")!))
        #expect(list.permits(host: "other", address: IPAddress("::ffff:10.1.0.1")!), "a mapped address is its IPv4 one")
        #expect(list.permits(host: "other", address: IPAddress("172.16.3.4")!), "a mapped block becomes an IPv4 one")
        #expect(!list.permits(host: "other", address: IPAddress("127.0.0.1")!))
        #expect(try AddressAllowList(parsing: "").isEmpty)
    }

    @Test(arguments: ["10.0.0.0/33", "exa mple.com", "http://x", "1.2.3.4/x", "fe80::/129", "a..b"])
    func allowListRefusesNonsense(entry: String) {
        #expect(throws: ChannelConfigurationError.self) { try AddressAllowList(parsing: "localhost,\(entry)") }
        do { _ = try AddressAllowList(parsing: entry) } catch { #expect(error.variable == "HERALD_WEBHOOK_ALLOW") }
    }

    @Test func guardRefusesAnyNonPublicAddressOfAHost() throws {
        let guardian = TargetGuard()
        let url = try #require(HTTPURL("https://hooks.example.com/x"))
        let public1 = IPAddress("93.184.216.34")!
        #expect(guardian.judge(url, addresses: [public1]) == .success(.init(url: url, addresses: [public1])))
        // One private answer among public ones is enough to refuse (rebinding, split-horizon).
        let mixed = guardian.judge(url, addresses: [public1, IPAddress("10.0.0.5")!])
        #expect(mixed == .failure(.nonPublicAddress(host: "hooks.example.com", address: IPAddress("10.0.0.5")!, scope: .private)))
        if case .failure(let refusal) = mixed {
            #expect(refusal.description.contains("hooks.example.com resolves to 10.0.0.5, a private address"))
            #expect(refusal.description.contains("HERALD_WEBHOOK_ALLOW"))
        }
        let allowed = TargetGuard(allowList: try AddressAllowList(parsing: "10.0.0.0/8"))
        #expect((try? allowed.judge(url, addresses: [public1, IPAddress("10.0.0.5")!]).get()) != nil)
    }

    @Test func guardChecksSchemesAndLiterals() async throws {
        let guardian = TargetGuard()
        #expect(await guardian.check("ftp://8.8.8.8/") == .failure(.scheme("ftp")))
        #expect(await guardian.check("gopher://example.com/") == .failure(.scheme("gopher")))
        #expect(await guardian.check("nonsense") == .failure(.malformedURL))
        #expect(await guardian.check("http://169.254.169.254/latest/meta-data")
            == .failure(.nonPublicAddress(host: "169.254.169.254", address: IPAddress("169.254.169.254")!, scope: .linkLocal)))
        #expect(await guardian.check("http://[::1]:8080/")
            == .failure(.nonPublicAddress(host: "::1", address: IPAddress("::1")!, scope: .loopback)))
        // Numeric spellings of 127.0.0.1 end up as 127.0.0.1, one way or another.
        for spelling in ["http://0x7f000001/", "http://2130706433/", "http://127.1/", "http://[::ffff:7f00:1]/"] {
            guard case .failure(.nonPublicAddress(_, let address, .loopback)) = await guardian.check(spelling) else {
                Issue.record("\(spelling) was not refused as loopback")
                continue
            }
            #expect(address.canonical == IPAddress("127.0.0.1"), "\(spelling)")
        }
        let target = try await guardian.check("http://8.8.8.8:8080/").get()
        #expect(target.addresses == [IPAddress("8.8.8.8")!])
        #expect(target.url.port == 8080)
    }

    @Test func guardResolvesNames() async throws {
        // localhost resolves (hosts file) to loopback: refused unless the name is allowed.
        let refused = await TargetGuard().check("http://localhost:9/")
        guard case .failure(.nonPublicAddress(let host, _, let scope)) = refused else {
            Issue.record("localhost was not refused: \(refused)")
            return
        }
        #expect(host == "localhost")
        #expect(scope == .loopback)
        let allowed = try await TargetGuard(allowList: try AddressAllowList(parsing: "localhost")).check("http://localhost:9/").get()
        #expect(allowed.addresses.allSatisfy { AddressScope.of($0) == .loopback })
        #expect(!allowed.addresses.isEmpty)
    }
}

@Suite("HTTP client over TCP")
struct HTTPClientTransferTests {
    @Test func postsAndReadsStatusHeadersAndBody() async throws {
        let server = try LoopbackHTTPServer(responses: [
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-Trace: a\r\n  b\r\nContent-Length: 11\r\n\r\n{\"code\":1}\n",
        ])
        let response = try await HTTPClient().send(HTTPRequest(
            url: "http://127.0.0.1:\(server.port)/2010-04-01/x.json",
            headers: [.basicAuthorization(user: "u", password: "p"), FormEncoding.contentType],
            body: Data("To=%2B1&Body=hi".utf8)))
        #expect(response.status == 429)
        #expect(response.retryAfter() == .seconds(7))
        #expect(response.header("x-trace") == "a b", "a folded header line is joined")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"code\":1}\n")
        let request = try #require(server.received.first)
        #expect(request.hasPrefix("POST /2010-04-01/x.json HTTP/1.1\r\n"), "\(request)")
        #expect(request.contains("Authorization: Basic dTpw\r\n"))
        #expect(request.contains("Content-Type: application/x-www-form-urlencoded\r\n"))
        #expect(!request.lowercased().contains("expect:"))
        #expect(request.hasSuffix("\r\n\r\nTo=%2B1&Body=hi"))
    }

    /// The host name is never looked up: the connection goes to the pinned
    /// address (what defeats DNS rebinding after the check), and the Host
    /// header still names the host.
    @Test func pinnedAddressIsUsedInsteadOfDNS() async throws {
        let answer = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
        let server = try LoopbackHTTPServer(responses: [answer, answer, answer])
        for host in ["hooks.herald-test.invalid", "HOOKS.Herald-Test.invalid", "hooks.herald-test.invalid."] {
            let response = try await HTTPClient().send(HTTPRequest(
                url: "http://\(host):\(server.port)/hook", body: Data("{}".utf8),
                pinnedAddresses: [IPAddress("127.0.0.1")!], allowsProxy: false))
            #expect(response.status == 204, "\(host)")
        }
        let request = try #require(server.received.first)
        #expect(request.contains("Host: hooks.herald-test.invalid:\(server.port)\r\n"), "\(request)")
    }

    /// Pinned to one address, the transfer never connects to another, even
    /// when the URL names a different one.
    @Test func noSocketToAnAddressThatWasNotPinned() async throws {
        let server = try LoopbackHTTPServer(responses: ["HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"])
        do {
            _ = try await HTTPClient().send(HTTPRequest(
                url: "http://127.0.0.1:\(server.port)/", pinnedAddresses: [IPAddress("127.0.0.2")!], allowsProxy: false))
            Issue.record("connected to an address that was not pinned")
        } catch {
            #expect(error.kind == .invalidRequest, "\(error)")
            #expect(error.message.contains("127.0.0.1"), "\(error)")
        }
        #expect(server.received.isEmpty)
    }

    @Test func redirectsAreNotFollowed() async throws {
        let server = try LoopbackHTTPServer(responses: [
            "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n",
        ])
        let response = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(response.status == 302)
        #expect(response.header("Location") == "http://169.254.169.254/latest")
        #expect(server.received.count == 1)
    }

    @Test func aLongBodyIsCutShortNotAnError() async throws {
        let body = String(repeating: "x", count: 10_000)
        let server = try LoopbackHTTPServer(responses: ["HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n\(body)"])
        let response = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/", maximumResponseBytes: 100))
        #expect(response.status == 200)
        #expect(response.body.count == 100)
        #expect(response.isTruncated)
    }

    @Test func aSilentPeerTimesOut() async throws {
        // Accepts (the kernel's backlog does) but never answers.
        let listener = try LoopbackHTTPServer(responses: [])
        let start = ContinuousClock.now
        do {
            _ = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(listener.port)/", timeout: .milliseconds(500)))
            Issue.record("a silent peer answered")
        } catch {
            #expect(error.kind == .timeout, "\(error)")
            if case .retry(_, "timeout", _) = error.outcome {} else { Issue.record("not a retry: \(error.outcome)") }
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
