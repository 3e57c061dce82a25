import Foundation
import Synchronization

/// A child process whose stdout and stderr are collected as they arrive, so a
/// test can wait for a line (a readiness probe) instead of sleeping.
///
/// Each pipe is read by a plain thread with blocking `read(2)` until end of
/// file. (Not `FileHandle.readabilityHandler`: on Linux its dispatch source can
/// outlive the descriptor, and once the number is reused libdispatch crashes
/// the whole test process.)
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
        try process.run()
        output.startReading(stdout.fileHandleForReading)
        errors.startReading(stderr.fileHandleForReading)
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
        // The pipes reach end of file once the process is gone (unless a child of
        // its own still holds them: then take what arrived).
        try? await waitUntil(timeout: .seconds(5), "the end of the process's output") {
            output.isFinished && errors.isFinished
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
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
                    append(Data(buffer[0..<count]))
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

    func append(_ chunk: Data) {
        data.withLock { $0.append(chunk) }
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }
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
