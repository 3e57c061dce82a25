import Foundation
import Synchronization

/// Where `swift build` put the package's executables: next to the test bundle,
/// or `$HERALD_BIN_DIR`.
public enum BuiltProducts {
    public static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["HERALD_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        for candidate in [url, Bundle.main.bundleURL.deletingLastPathComponent()] {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("heraldd").path) {
                return candidate
            }
        }
        return url
    }()

    /// The executable `name` (`heraldd`, `herald-sms-twilio`, ...).
    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// A child process whose stdout and stderr are collected as they arrive, so a
/// test can wait for a line (a readiness probe) instead of sleeping. Killed
/// (SIGKILL) if still running when the value goes away.
///
/// Each pipe is read by a plain thread with blocking `read(2)` until end of
/// file. (Not `FileHandle.readabilityHandler`: on Linux its dispatch source can
/// outlive the descriptor, and once the number is reused libdispatch crashes
/// the whole test process.)
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let output = OutputBuffer()
    private let errors = OutputBuffer()

    /// Starts `executable` with `arguments`, its environment this process's plus `environment`.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        output.startReading(stdout.fileHandleForReading)
        errors.startReading(stderr.fileHandleForReading)
    }

    /// The executable's file name, for messages.
    public var name: String { process.executableURL?.lastPathComponent ?? "the process" }
    public var stdout: String { output.text }
    public var stderr: String { errors.text }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit and the last of its output; returns the exit status.
    public func waitForExit(within limit: Duration = .seconds(30)) async throws -> Int32 {
        try await eventually("\(name) to exit", within: limit) { !process.isRunning }
        process.waitUntilExit()
        // The pipes reach end of file once the process is gone (unless a child of
        // its own still holds them: then take what arrived).
        try? await eventually("the end of \(name)'s output", within: .seconds(5)) {
            output.isFinished && errors.isFinished
        }
        return process.terminationStatus
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    public func stop(signal: Int32 = SIGTERM, within limit: Duration = .seconds(60)) async throws -> Int32 {
        self.signal(signal)
        return try await waitForExit(within: limit)
    }

    /// Waits for the first line of stdout that contains `text` (a readiness line)
    /// and returns it; throws ``ProcessExited`` if the process ends first.
    @discardableResult
    public func waitForLine(containing text: String, within limit: Duration = .seconds(60)) async throws -> String {
        try await waitFor("\(name) to print \"\(text)\"; it printed:\n\(stdout)\n\(stderr)", within: limit) {
            if let line = stdout.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            // The line may have come just before the exit.
            if !process.isRunning {
                process.waitUntilExit()
                try? await eventually("the end of \(name)'s output", within: .seconds(5)) { output.isFinished }
                if let line = stdout.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
                throw ProcessExited(name: name, status: process.terminationStatus, stdout: stdout, stderr: stderr)
            }
            return nil
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A child process ended while a test waited for it to be ready.
public struct ProcessExited: Error, CustomStringConvertible {
    public var name: String
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var description: String { "\(name) exited (status \(status)) before it was ready:\n\(stderr)\(stdout)" }
}

/// Bytes a pipe delivered so far, appended by its reader thread.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())
    private let finished = Atomic<Bool>(false)

    /// Reads `handle` to end of file on a thread of its own; the thread keeps the
    /// handle (and so its descriptor) alive until then.
    func startReading(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(handle.fileDescriptor, &buffer, buffer.count)
                if count > 0 {
                    let chunk = Data(buffer[0..<count])
                    data.withLock { $0.append(chunk) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            finished.store(true, ordering: .releasing)
            _ = handle
        }
        thread.start()
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// What a finished command printed.
public struct CommandResult: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var elapsed: Duration

    public init(status: Int32, stdout: String, stderr: String, elapsed: Duration) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
    }

    public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// Runs `executable` to completion.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], within limit: Duration = .seconds(60)
    ) async throws -> CommandResult {
        let start = ContinuousClock.now
        let child = try ChildProcess(executable, arguments, environment: environment)
        let status = try await child.waitForExit(within: limit)
        return CommandResult(status: status, stdout: child.stdout, stderr: child.stderr, elapsed: ContinuousClock.now - start)
    }
}
