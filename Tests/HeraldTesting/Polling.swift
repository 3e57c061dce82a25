/// Why a bounded wait failed: what was awaited and for how long.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var after: Duration

    public init(what: String, after: Duration) {
        self.what = what
        self.after = after
    }

    public var description: String { "waited \(after) for \(what), in vain" }
}

/// How long a wait may last unless a test says otherwise. Generous: a limit only
/// turns a hang into a failure, and the machines that run these tests are busy.
public let defaultWaitLimit: Duration = .seconds(30)

/// Polls `find` until it returns a value, and returns that value; throws
/// ``TimedOut`` after `limit`. The only way Herald's tests wait for something.
///
/// - Parameters:
///   - what: what is awaited, for the failure message ("the Result for dlv-1");
///     evaluated only on failure, so it may show the state last seen.
///   - every: the pause between checks; by default 5 ms, doubling up to 100 ms,
///     so a quick condition is seen at once and a slow one (a `herald` command
///     per check) is not run in a tight loop.
public func waitFor<T>(
    _ what: @autoclosure () -> String, within limit: Duration = defaultWaitLimit, every: Duration? = nil,
    _ find: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + limit
    var pause = every ?? .milliseconds(5)
    while true {
        if let found = try await find() { return found }
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what(), after: limit) }
        try await Task.sleep(for: pause)
        if every == nil { pause = min(pause * 2, .milliseconds(100)) }
    }
}

/// Polls `condition` until it holds; throws ``TimedOut`` after `limit`.
/// See ``waitFor(_:within:every:_:)``.
public func eventually(
    _ what: @autoclosure () -> String, within limit: Duration = defaultWaitLimit, every: Duration? = nil,
    _ condition: () async throws -> Bool
) async throws {
    let _: Void = try await waitFor(what(), within: limit, every: every) { try await condition() ? () : nil }
}

/// Runs `operation`, failing with ``TimedOut`` if it has not finished within `limit`
/// (the operation is then cancelled).
public func withTimeout<T: Sendable>(
    _ what: String, within limit: Duration = defaultWaitLimit,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(what: what, after: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
