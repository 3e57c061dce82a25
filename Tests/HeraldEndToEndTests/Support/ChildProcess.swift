import Foundation
import Synchronization

/// A child process whose stdout and stderr are collected as they arrive, so a
/// test can wait for a line (a readiness probe) instead of sleeping.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let output = OutputBuffer()
    private let errors = OutputBuffer()

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
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
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            output.append(handle.availableData)
        }
        stderr.fileHandleForReading.readabilityHandler = { [errors] handle in
            errors.append(handle.availableData)
        }
        try process.run()
    }

    var stdout: String { output.text }
    var stderr: String { errors.text }
    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit and the last of its output.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "process \(process.executableURL?.lastPathComponent ?? "") to exit") {
            !process.isRunning
        }
        process.waitUntilExit()
        // Drain what is still in the pipes.
        for (pipe, buffer) in [(process.standardOutput, output), (process.standardError, errors)] {
            if let handle = (pipe as? Pipe)?.fileHandleForReading {
                handle.readabilityHandler = nil
                buffer.append(handle.readDataToEndOfFile())
            }
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Bytes a pipe delivered so far, appended from the pipe's handler thread.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) {
        data.withLock { $0.append(chunk) }
    }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// What a finished `herald` command printed.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var elapsed: Duration

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}
