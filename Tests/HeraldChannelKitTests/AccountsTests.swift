import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// A configured plugin that answers with its sender, to see which account sent.
struct SenderEchoPlugin: ConfiguredChannelPlugin, CallbackChannelPlugin {
    struct Configuration: ChannelConfiguration {
        var sender: String
        var callbackURL: String?
        init(environment: [String: String]) throws(ChannelConfigurationError) {
            sender = try ChannelConfigurationError.require("ECHO_SENDER", in: environment)
            callbackURL = environment[ChannelOptions.callbackURLVariable]
        }
        var senders: [String] { [sender] }
        static let accountVariables: Set<String> = ["ECHO_SENDER"]
    }

    let channel = "sms"
    let provider = "twilio"
    let version = "1.0.0"
    let configuration: Result<Configuration, ChannelConfigurationError>

    func send(_ delivery: Herald_V1_Delivery, configuration: Configuration) async -> Outcome {
        .sent(providerMessageID: configuration.sender + "|" + (configuration.callbackURL ?? ""))
    }

    func handleCallback(_ request: CallbackRequest) -> CallbackAnswer {
        let sender = (try? configuration.get().sender) ?? "?"
        return .respond(status: 200, body: sender + " " + request.path)
    }
}

@Suite("provider accounts: the accounts file and sending per account")
struct AccountsTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "herald-accounts") }

    func file(_ json: String, mode: Int = 0o600) throws -> String {
        let path = try directory.write("accounts.json", json)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func refusal(_ json: String, mode: Int = 0o600) throws -> String {
        let path = try file(json, mode: mode)
        do {
            _ = try AccountsFile.load(path: path)
            return "accepted"
        } catch {
            return error.message
        }
    }

    @Test func entriesGiveVariablesAndARate() throws {
        let accounts = try AccountsFile.load(path: try file("""
            {"accounts": [{"name": "salon", "ECHO_SENDER": "+1555", "rate_per_second": 2.5}, {"name": "clinic-2", "ECHO_SENDER": "MG1"},
                          {"name": "long-code", "ECHO_SENDER": "+1556", "rate_per_second": 1}]}
            """))
        #expect(accounts == [
            ProviderAccount(name: "salon", variables: ["ECHO_SENDER": "+1555"], ratePerSecond: 2.5),
            ProviderAccount(name: "clinic-2", variables: ["ECHO_SENDER": "MG1"]),
            // A whole 1 (which Foundation also takes for true) is a rate.
            ProviderAccount(name: "long-code", variables: ["ECHO_SENDER": "+1556"], ratePerSecond: 1),
        ])
    }

    @Test func badFilesAreRefusedNamingTheEntryAndKey() throws {
        #expect(try refusal("{\"accounts\": []}", mode: 0o604).contains("others may read it (mode 604)"))
        #expect(try refusal("not json").contains("is not JSON"))
        #expect(try refusal("{\"accounts\": {}}").contains("must be {\"accounts\": [...]}"))
        #expect(try refusal("{\"accounts\": [], \"other\": 1}").contains("must be {\"accounts\": [...]}"))
        #expect(try refusal("{\"accounts\": [7]}").contains("entry 1 of"))
        #expect(try refusal("{\"accounts\": [{\"ECHO_SENDER\": \"x\"}]}").contains("needs a \"name\""))
        #expect(try refusal("{\"accounts\": [{\"name\": \"-x\"}]}").contains("needs a \"name\""))
        #expect(try refusal("{\"accounts\": [{\"name\": \"default\"}]}").contains("is the account of the program's environment"))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}").contains("account \"a\" (entry 2 of"))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\", \"sender\": \"x\"}]}").contains("unknown key \"sender\""))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\", \"ECHO_SENDER\": 1}]}").contains("ECHO_SENDER must be a string"))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\", \"rate_per_second\": 0}]}").contains("rate_per_second must be"))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\", \"rate_per_second\": true}]}").contains("rate_per_second must be"))
        #expect(try refusal("{\"accounts\": [{\"name\": \"a\", \"rate_per_second\": false}]}").contains("rate_per_second must be"))
        let missing = URL(fileURLWithPath: directory.path).appendingPathComponent("none.json").path
        #expect(throws: ChannelConfigurationError.self) { try AccountsFile.load(path: missing) }
    }

    @Test func eachDeliveryGoesOutWithTheAccountItNames() async throws {
        let path = try file("""
            {"accounts": [{"name": "salon", "ECHO_SENDER": "+1555"}, {"name": "clinic", "ECHO_SENDER": "MG1"}]}
            """)
        let plugin = AccountsPlugin<SenderEchoPlugin>(
            environment: ["ECHO_SENDER": "+1000", ChannelOptions.callbackURLVariable: "https://cb.example"], file: path)
        try plugin.checkConfiguration()
        #expect(plugin.accounts.map(\.name) == ["clinic", "default", "salon"])
        #expect(plugin.accounts.map(\.senders) == [["MG1"], ["+1000"], ["+1555"]])

        func sent(_ account: String) async -> Outcome {
            await plugin.send(.with { $0.account = account })
        }
        #expect(await sent("") == .sent(providerMessageID: "+1000|https://cb.example"))
        #expect(await sent("salon") == .sent(providerMessageID: "+1555|https://cb.example/accounts/salon"))
        #expect(await sent("clinic") == .sent(providerMessageID: "MG1|https://cb.example/accounts/clinic"))
        guard case .retry(let error, let code, _) = await sent("spa") else {
            Issue.record("an unknown account was not retried")
            return
        }
        #expect(code == "unknown_account" && error.contains("\"spa\""))

        // Callbacks: each account's under its prefix, the default's at the root.
        func answer(_ path: String) -> CallbackAnswer {
            plugin.handleCallback(CallbackRequest(method: "POST", path: path, publicURL: "https://cb.example" + path))
        }
        #expect(answer("/accounts/clinic/status") == .respond(status: 200, body: "MG1 /status"))
        #expect(answer("/status") == .respond(status: 200, body: "+1000 /status"))
        #expect(answer("/accounts/spa/status") == .rejected(status: 404, reason: "no such account"))

        // A reread with a bad entry (its sender missing: never the environment's) keeps
        // what there was; a good one replaces it.
        try Data("{\"accounts\": [{\"name\": \"spa\"}]}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ChannelConfigurationError.self) { try plugin.reload() }
        #expect(plugin.accounts.map(\.name) == ["clinic", "default", "salon"])
        try Data("{\"accounts\": [{\"name\": \"spa\", \"ECHO_SENDER\": \"+1777\"}]}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try plugin.reload().map(\.name) == ["default", "spa"])
        #expect(await sent("spa") == .sent(providerMessageID: "+1777|https://cb.example/accounts/spa"))
    }

    @Test func withoutTheEnvironmentsAccountOnlyTheFilesServe() async throws {
        let path = try file("{\"accounts\": [{\"name\": \"salon\", \"ECHO_SENDER\": \"+1555\"}]}")
        let plugin = AccountsPlugin<SenderEchoPlugin>(environment: [:], file: path)
        try plugin.checkConfiguration()
        #expect(plugin.accounts.map(\.name) == ["salon"])
        guard case .retry(_, let code, _) = await plugin.send(.with { $0.account = "" }) else {
            Issue.record("a delivery for the missing default account was sent")
            return
        }
        #expect(code == "unknown_account")

        // No file and no environment: the environment's error, as before accounts.
        let bare = AccountsPlugin<SenderEchoPlugin>(environment: [:], file: nil)
        #expect(throws: ChannelConfigurationError.missing("ECHO_SENDER")) { try bare.checkConfiguration() }
        let empty = AccountsPlugin<SenderEchoPlugin>(environment: [:], file: try file("{\"accounts\": []}"))
        #expect(throws: ChannelConfigurationError.missing("ECHO_SENDER")) { try empty.checkConfiguration() }
    }
}
