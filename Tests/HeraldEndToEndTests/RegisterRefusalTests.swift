import Foundation
import HeraldTesting
import Testing

/// A worker that could never get a job as it registered is refused at once,
/// with the rule, instead of idling beside jobs that wait for it.
@Suite("The core refuses registrations no job could reach", .timeLimit(.minutes(3)))
struct RegisterRefusalTests {
    @Test(arguments: [
        (["--channel", "Bad Chan!"], "channel \"Bad Chan!\" is not a channel name"),
        (["--channel", "sms", "--provider", "test"], "gets the jobs of provider twilio or vonage only"),
    ])
    func theWorkerExitsWithTheCoresReason(arguments: [String], reason: String) async throws {
        let directory = try TemporaryDirectory()
        let core = try await RunningCore.start(in: directory.url)
        let worker = try await RunningChannel.start(
            "refused", core: core, directory: directory.url, arguments: arguments, waitForRegistration: false)
        let status = try await worker.process.waitForExit(within: .seconds(60))
        #expect(status == 1, "\(worker.process.stderr)")
        #expect(worker.process.stderr.contains(reason), "\(worker.process.stderr)")
        #expect(try await core.channels().workers.isEmpty)
        #expect(try await core.stop() == 0)
    }
}
