import Foundation
import Synchronization

/// The clock the core asks for "now".
///
/// Planner, dispatcher and validation never read the system time themselves, so
/// their tests can run at any instant without waiting for the wall clock.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real time.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when a test moves it.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    public func advance(by interval: TimeInterval) {
        current.withLock { $0 += interval }
    }

    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
