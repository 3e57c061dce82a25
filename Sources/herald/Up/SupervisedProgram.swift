import Foundation
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One child of `herald up`: started, its output shown line by line, restarted
/// with backoff when it exits on its own, stopped on request.
///
/// Each child runs in its own process group, so the terminal's Ctrl-C reaches
/// `herald up` alone and it can stop the children in order (channels, then
/// the core) instead of all at once.
final class SupervisedProgram: Sendable {
    /// What to do after the child exited on its own.
    enum ExitDecision: Sendable {
        case restart
        /// Start it again at once with these extra arguments (a channel without
        /// credentials is restarted with `--outbox`).
        case restartAdding([String])
        case giveUp
    }

    struct Exit: Sendable {
        var status: TerminationStatus?
        var ranFor: Duration
        /// The child's last lines, for a decision or a report.
        var lastLines: [String]
        /// Whether this run was started with the extra arguments of a `.restartAdding`.
        var hadExtraArguments: Bool

        var exitCode: Int32? {
            if case .exited(let code) = status { return code }
            return nil
        }

        var summary: String {
            switch status {
            case .exited(let code): "exited with status \(code)"
            case .signaled(let signal): "was killed by signal \(signal)"
            case nil: "could not be started"
            }
        }
    }

    let name: String
    private let executable: URL
    private let console: UpConsole
    private let onLine: @Sendable (String) -> Void
    private let decide: @Sendable (Exit) -> ExitDecision
    private let state: Mutex<State>

    private struct State {
        var stopping = false
        var arguments: [String]
        var extraArguments: [String] = []
        /// Sends a signal to the running child; set only while it runs.
        var signal: (@Sendable (Subprocess.Signal) -> Void)?
    }

    /// Restart delays grow from 1 s to 30 s; a child that ran for a minute starts over at 1 s.
    static let backoff: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30)]
    static let healthyRun: Duration = .seconds(60)
    private static let keptLines = 5

    init(
        name: String, executable: URL, arguments: [String], console: UpConsole,
        onLine: @escaping @Sendable (String) -> Void = { _ in },
        decide: @escaping @Sendable (Exit) -> ExitDecision
    ) {
        self.name = name
        self.executable = executable
        state = Mutex(State(arguments: arguments))
        self.console = console
        self.onLine = onLine
        self.decide = decide
    }

    /// Runs the child until ``stop()`` or a `.giveUp` decision; returns its last exit.
    @discardableResult
    func supervise() async -> Exit {
        var failures = 0
        while true {
            let exit = await runOnce()
            if state.withLock({ $0.stopping }) {
                console.say("\(name) stopped")
                return exit
            }
            switch decide(exit) {
            case .giveUp:
                return exit
            case .restartAdding(let extra):
                state.withLock { $0.extraArguments = extra }
                continue
            case .restart:
                failures = exit.ranFor >= Self.healthyRun ? 0 : failures + 1
                let delay = Self.backoff[min(max(failures - 1, 0), Self.backoff.count - 1)]
                console.warn("\(name) \(exit.summary); restarting in \(delay.components.seconds) s")
                if await sleepUnlessStopped(delay) == false {
                    console.say("\(name) stopped")
                    return exit
                }
            }
        }
    }

    /// The arguments of the next start (the core's, once its `*` ports are known,
    /// so a restarted core binds where the channels already connect).
    func setArguments(_ arguments: [String]) {
        state.withLock { $0.arguments = arguments }
    }

    /// Asks the child to stop (SIGTERM) and keeps it from being restarted.
    func stop() {
        let signal = state.withLock { state in
            state.stopping = true
            return state.signal
        }
        signal?(.terminate)
    }

    /// Ends a child that did not stop in time.
    func kill() {
        state.withLock { $0.signal }?(.kill)
    }

    private func runOnce() async -> Exit {
        let started = ContinuousClock.now
        let (arguments, extra) = state.withLock { ($0.arguments, $0.extraArguments) }
        var options = PlatformOptions()
        options.processGroupID = 0  // a group of its own: see the type's comment
        var lastLines: [String] = []
        do {
            let result = try await run(
                .path(FilePath(executable.path)), arguments: Arguments(arguments + extra),
                platformOptions: options, input: .none, output: .sequence, error: .combinedWithOutput
            ) { execution in
                let send: @Sendable (Subprocess.Signal) -> Void = { signal in try? execution.send(signal: signal) }
                let stopAtOnce = state.withLock { state in
                    state.signal = send
                    return state.stopping
                }
                if stopAtOnce { send(.terminate) }
                defer { state.withLock { $0.signal = nil } }
                var lines: [String] = []
                do {
                    for try await line in execution.standardOutput.strings() {
                        console.line(from: name, line)
                        onLine(line)
                        lines.append(line)
                        if lines.count > Self.keptLines { lines.removeFirst() }
                    }
                } catch {
                    console.warn("cannot read the output of \(name): \(error)")
                }
                return lines
            }
            lastLines = result.closureResult
            return Exit(
                status: result.terminationStatus, ranFor: .now - started, lastLines: lastLines,
                hadExtraArguments: !extra.isEmpty)
        } catch {
            console.fail("cannot start \(executable.path): \(error)")
            return Exit(status: nil, ranFor: .now - started, lastLines: [], hadExtraArguments: !extra.isEmpty)
        }
    }

    /// Sleeps in short steps so a stop request is not kept waiting; false when stopped.
    private func sleepUnlessStopped(_ delay: Duration) async -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end {
            if state.withLock({ $0.stopping }) { return false }
            try? await Task.sleep(for: min(.milliseconds(100), end - .now))
        }
        return !state.withLock { $0.stopping }
    }
}
