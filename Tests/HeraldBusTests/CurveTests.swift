import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Testing

@Suite struct CurveKeyFileTests {
    @Test func aGeneratedPairSurvivesItsFileAndThePublicFileGivesThePublicKey() throws {
        let directory = try TemporaryDirectory(prefix: "herald-bus")
        let pair = try CurveKeyPair.generate()
        let secretFile = try directory.write("core.key", pair.secretFileText)
        let publicFile = try directory.write("core.pub", pair.publicFileText)
        #expect(try CurveKeyPair.load(path: secretFile) == pair)
        #expect(try CurvePublicKey.resolve(publicFile) == pair.publicKey)
        #expect(try CurvePublicKey.resolve(pair.publicKey) == pair.publicKey)
        #expect(!pair.publicFileText.contains(pair.secretKey))
    }

    @Test func aFileWithOnlyTheSecretHalfIsEnough() throws {
        let directory = try TemporaryDirectory(prefix: "herald-bus")
        let pair = try CurveKeyPair.generate()
        let file = try directory.write("bare.key", "curve\n    secret-key = \"\(pair.secretKey)\"\n")
        #expect(try CurveKeyPair.load(path: file) == pair)
    }

    @Test func halvesThatDoNotBelongTogetherAreRefusedWithoutQuotingTheSecret() throws {
        let directory = try TemporaryDirectory(prefix: "herald-bus")
        let one = try CurveKeyPair.generate(), other = try CurveKeyPair.generate()
        let file = try directory.write(
            "mixed.key", "curve\n    public-key = \"\(one.publicKey)\"\n    secret-key = \"\(other.secretKey)\"\n")
        let error = #expect(throws: CurveKeyError.self) { try CurveKeyPair.load(path: file) }
        #expect(error?.message == "\(file): the public key does not belong to the secret key")
        #expect(error?.message.contains(other.secretKey) == false)
    }

    @Test func aPublicKeyFileIsNotASecretKeyFile() throws {
        let directory = try TemporaryDirectory(prefix: "herald-bus")
        let file = try directory.write("core.pub", try CurveKeyPair.generate().publicFileText)
        let error = #expect(throws: CurveKeyError.self) { try CurveKeyPair.load(path: file) }
        #expect(error?.message.contains("has no secret-key") == true)
    }

    @Test func aServerKeyThatIsNeitherAKeyNorAFileIsNamed() {
        let error = #expect(throws: CurveKeyError.self) { try CurvePublicKey.resolve("not-a-key") }
        #expect(error?.message.contains("\"not-a-key\" is neither") == true)
    }

    @Test func clientKeysComeFromFlagsOrTheEnvironmentAndNeedBothHalves() throws {
        let directory = try TemporaryDirectory(prefix: "herald-bus")
        let client = try CurveKeyPair.generate(), server = try CurveKeyPair.generate()
        let file = try directory.write("client.key", client.secretFileText)
        #expect(try CurveClientKeys.resolve(secretKeyFile: nil, serverKey: nil, environment: [:]) == nil)
        let fromEnvironment = try CurveClientKeys.resolve(
            secretKeyFile: nil, serverKey: nil,
            environment: [CurveClientKeys.secretKeyVariable: file, CurveClientKeys.serverKeyVariable: server.publicKey])
        #expect(fromEnvironment == .client(client, serverPublicKey: server.publicKey))
        let missing = #expect(throws: CurveKeyError.self) {
            try CurveClientKeys.resolve(secretKeyFile: file, serverKey: nil, environment: [:])
        }
        #expect(missing?.message.contains("--curve-server-key") == true)
    }
}

@Suite struct AuthorizedKeysTests {
    @Test func rolesKeysNamesAndCommentsAreRead() throws {
        let admin = try CurveKeyPair.generate().publicKey, channel = try CurveKeyPair.generate().publicKey
        let keys = try AuthorizedKeys(parsing: """
            # role key name
            admin \(admin) ops laptop

            channel\t\(channel)
            """, source: "keys")
        #expect(keys.count == 2)
        #expect(keys.entry(for: admin) == AuthorizedKeys.Entry(role: .admin, publicKey: admin, name: "ops laptop"))
        #expect(keys.entry(for: channel)?.role == .channel)
        #expect(keys.entry(for: channel)?.name == String(channel.prefix(8)))
        #expect(keys.summary == "1 admin, 1 channel, 0 observer")
    }

    @Test(arguments: [
        ("root KEY", "keys:2: unknown role \"root\"; use admin, channel or observer"),
        ("admin", "keys:2: the admin line has no public key"),
        ("observer abc", "keys:2: \"abc\" is not a 40-character Z85 public key"),
    ])
    func aBadLineIsNamedByFileAndLine(line: String, message: String) throws {
        let key = try CurveKeyPair.generate().publicKey
        let error = #expect(throws: CurveKeyError.self) {
            try AuthorizedKeys(parsing: "admin \(key)\n" + line.replacingOccurrences(of: "KEY", with: key), source: "keys")
        }
        #expect(error?.message == message)
    }

    @Test func aKeyListedTwiceIsRefused() throws {
        let key = try CurveKeyPair.generate().publicKey
        let error = #expect(throws: CurveKeyError.self) {
            try AuthorizedKeys(parsing: "admin \(key) a\nchannel \(key) b", source: "keys")
        }
        #expect(error?.message == "keys:2: this key is already listed, as admin \"a\"")
    }
}

/// CURVE and the ZAP handler over real ZeroMQ: each test has its own context,
/// because a context has one ZAP endpoint.
@Suite struct CurveRPCTests {
    struct Keys {
        let server = try! CurveKeyPair.generate()
        let admin = try! CurveKeyPair.generate()
        let channel = try! CurveKeyPair.generate()
        let stranger = try! CurveKeyPair.generate()

        var authorized: AuthorizedKeys {
            AuthorizedKeys([
                .init(role: .admin, publicKey: admin.publicKey, name: "ops"),
                .init(role: .channel, publicKey: channel.publicKey, name: "email-1"),
            ])
        }
    }

    /// A CURVE RPC server whose requests need the admin role, as heraldd's admin endpoint.
    func withCurveServer(
        _ keys: Keys, _ body: (ZMQContext, RPCServer, ZAPHandler) async throws -> Void
    ) async throws {
        let context = try ZMQContext()
        let zap = try ZAPHandler(
            context: context, keys: keys.authorized, domains: ["admin": [.admin, .channel]], logger: testLogger)
        defer { zap.close() }
        let server = try RPCServer(
            context: context,
            configuration: RPCServerConfiguration(
                endpoint: anyPort, curve: .server(keys.server, zapDomain: "admin"),
                authorize: { call in
                    zap.role(ofUserID: call.userID) == .admin ? nil : .permissionDenied("needs admin")
                }),
            router: .testRouter(), logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            try await body(context, server, zap)
        }
    }

    func curveClient(_ context: ZMQContext, _ server: RPCServer, _ pair: CurveKeyPair, trusting serverKeys: CurveKeyPair) throws -> RPCClient {
        try RPCClient(
            context: context, endpoint: server.boundEndpoint,
            curve: .client(pair, serverPublicKey: serverKeys.publicKey), logger: testLogger)
    }

    func echo(_ client: RPCClient, timeout: Duration = .seconds(10)) async throws -> String {
        try await client.call(Methods.echo, violation("hi"), as: Herald_V1_Status.self, timeout: timeout).message
    }

    @Test func anAdminKeyIsServed() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, _ in
            let client = try curveClient(context, server, keys.admin, trusting: keys.server)
            defer { client.close() }
            #expect(try await echo(client) == "echo:hi")
        }
    }

    @Test func aChannelKeyGetsPermissionDenied() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, _ in
            let client = try curveClient(context, server, keys.channel, trusting: keys.server)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) { try await echo(client) }
            #expect(error?.code == .permissionDenied)
        }
    }

    @Test func anUnlistedKeyIsRefusedAtTheHandshakeAndToldSo() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, zap in
            let client = try curveClient(context, server, keys.stranger, trusting: keys.server)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) { try await echo(client, timeout: .seconds(5)) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("refused this program's CURVE key") == true, "\(String(describing: error))")
            #expect(zap.refusedHandshakes >= 1)
        }
    }

    @Test func aOneShotClientGivesUpAtTheRefusalInsteadOfItsTimeout() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, _ in
            let client = try RPCClient(
                context: context, endpoint: server.boundEndpoint,
                curve: .client(keys.stranger, serverPublicKey: keys.server.publicKey), closeOnRefusedHandshake: true,
                logger: testLogger)
            defer { client.close() }
            // A ten-minute budget: only the refusal can end this call within the test's limit.
            let error = try await withTimeout("the refused call to end", within: .seconds(60)) {
                await #expect(throws: RPCError.self) { try await self.echo(client, timeout: .seconds(600)) }
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("refused this program's CURVE key") == true, "\(String(describing: error))")
            let again = await #expect(throws: RPCError.self) { try await echo(client) }
            #expect(again?.message.contains("refused this program's CURVE key") == true, "\(String(describing: again))")
        }
    }

    @Test func aPlainClientIsRefusedAndToldTheCoreRequiresCurve() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, _ in
            let client = try RPCClient(context: context, endpoint: server.boundEndpoint, logger: testLogger)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) { try await echo(client, timeout: .seconds(5)) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("may require CURVE") == true, "\(String(describing: error))")
        }
    }

    @Test func aWrongServerKeyNeverConnects() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, _ in
            let client = try curveClient(context, server, keys.admin, trusting: keys.stranger)
            defer { client.close() }
            let error = await #expect(throws: RPCError.self) { try await echo(client, timeout: .seconds(2)) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test func aKeyRemovedByAReloadLosesItsRightsOnItsOpenConnection() async throws {
        let keys = Keys()
        try await withCurveServer(keys) { context, server, zap in
            let client = try curveClient(context, server, keys.admin, trusting: keys.server)
            defer { client.close() }
            #expect(try await echo(client) == "echo:hi")
            zap.replaceKeys(AuthorizedKeys([.init(role: .channel, publicKey: keys.channel.publicKey, name: "email-1")]))
            let error = await #expect(throws: RPCError.self) { try await echo(client) }
            #expect(error?.code == .permissionDenied)
        }
    }

    @Test func aRouterEndpointDropsMessagesFromAKeyNoLongerAuthorized() async throws {
        let keys = Keys()
        let context = try ZMQContext()
        let zap = try ZAPHandler(context: context, keys: keys.authorized, domains: ["channel": [.channel]], logger: testLogger)
        defer { zap.close() }
        let endpoint = try RouterEndpoint(
            context: context,
            configuration: .init(
                endpoint: anyPort, curve: .server(keys.server, zapDomain: "channel"),
                authorize: { zap.role(ofUserID: $0) == .channel }),
            logger: testLogger)
        defer { endpoint.close() }
        let dealer = try SocketThread(
            context: context, kind: .dealer, name: "test-dealer", logger: testLogger,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(
                    linger: .zero, curve: .client(keys.channel, serverPublicKey: keys.server.publicKey)))
                try socket.connect(endpoint.boundEndpoint)
            })
        defer { dealer.stop() }
        var messages = endpoint.messages.makeAsyncIterator()
        dealer.send([Data("first".utf8)])
        let first = try #require(await messages.next())
        #expect(first.userID == keys.channel.publicKey)

        zap.replaceKeys(AuthorizedKeys())
        dealer.send([Data("second".utf8)])
        try await eventually("the second message to be dropped") { endpoint.droppedFrames == 1 }
    }
}
