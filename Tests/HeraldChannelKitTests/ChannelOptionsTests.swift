import HeraldChannelKit
import Logging
import Testing
@testable import HeraldChannelKit

@Suite("Every channel's command line and configuration check")
struct ChannelOptionsTests {
    @Test func aMissingCredentialNamesTheVariableAndTheWayOut() throws {
        #expect(throws: ChannelConfigurationError.missing("TWILIO_ACCOUNT_SID")) {
            try ChannelConfigurationError.require("TWILIO_ACCOUNT_SID", in: ["TWILIO_AUTH_TOKEN": "x"])
        }
        #expect(throws: ChannelConfigurationError.missing("TWILIO_ACCOUNT_SID")) {
            try ChannelConfigurationError.require("TWILIO_ACCOUNT_SID", in: ["TWILIO_ACCOUNT_SID": ""])
        }
        #expect(try ChannelConfigurationError.require("SMTP_URL", in: ["SMTP_URL": "smtps://mail"]) == "smtps://mail")

        let message = ChannelMain.startupFailureMessage(
            program: "herald-sms-twilio", error: ChannelConfigurationError.missing("TWILIO_ACCOUNT_SID"), outbox: false)
        #expect(message == "herald-sms-twilio: TWILIO_ACCOUNT_SID is not set; set it or pass --outbox DIR")
    }

    @Test func defaults() throws {
        let options = try ChannelOptions.parse([])
        #expect(options.endpoint(environment: [:]) == "tcp://127.0.0.1:7401")
        #expect(options.endpoint(environment: ["HERALD_CHANNEL_ENDPOINT": "tcp://core:7401"]) == "tcp://core:7401")
        #expect(options.maxInFlight == 16)
        #expect(options.outboxDirectory == nil)
        #expect(try options.resolvedLogLevel(environment: [:]) == .info)
        let instance = options.instanceID(for: ScriptedPlugin(channel: "sms"))
        #expect(instance.hasPrefix("sms-fake-"))
    }

    @Test func explicitOptionsWin() throws {
        let options = try ChannelOptions.parse([
            "--core", "tcp://10.0.0.1:7401", "--instance", "sms-1", "--max-in-flight", "64",
            "--outbox", "/tmp/out", "--log-level", "debug",
        ])
        #expect(options.endpoint(environment: ["HERALD_CHANNEL_ENDPOINT": "tcp://core:7401"]) == "tcp://10.0.0.1:7401")
        #expect(options.instanceID(for: ScriptedPlugin()) == "sms-1")
        #expect(options.maxInFlight == 64)
        #expect(options.outboxDirectory?.path == "/tmp/out")
        #expect(try options.resolvedLogLevel(environment: [:]) == .debug)
    }

    @Test(arguments: [["--max-in-flight", "0"], ["--max-in-flight", "1025"], ["--log-level", "loud"]])
    func outOfRangeOptionsAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) { try ChannelOptions.parse(arguments) }
    }
}
