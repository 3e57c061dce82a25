import Foundation
import Logging
import Synchronization

/// Why the database cannot take writes just now: the disk is full, the file or
/// its folder became read-only, or the disk reports I/O errors.
///
/// None of these is a bug in a request or a delivery, and each can pass by
/// itself (space freed, the disk remounted), so callers treat it as
/// `UNAVAILABLE`: nothing was stored, try again later.
public struct StoreUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Cause: String, Sendable {
        case diskFull = "disk full"
        case readOnly = "read-only"
        case ioError = "I/O error"
        /// PostgreSQL: the server cannot be reached, or closed the connection.
        case unreachable = "unreachable"
    }

    public var cause: Cause
    /// The database file, or the PostgreSQL URL without its password.
    public var path: String
    /// What the database library said, for the log.
    public var detail: String

    public init(cause: Cause, path: String, detail: String) {
        self.cause = cause
        self.path = path
        self.detail = detail
    }

    public var description: String {
        cause == .unreachable
            ? "the database cannot be reached: \(path)"
            : "the database cannot be written (\(cause.rawValue)): \(path)"
    }
}

/// Whether the store's last write succeeded, shared by everything that writes.
///
/// The first failed write of an outage logs one error line naming the cause and
/// the file; later failures only count; the first write that succeeds again logs
/// the recovery. ``current`` is what `herald ping` shows.
public final class StoreHealth: Sendable {
    public struct Outage: Sendable, Equatable {
        public var problem: StoreUnavailable
        public var since: Date
        /// Writes refused since the outage began.
        public var failures: Int
    }

    private let state = Mutex<Outage?>(nil)
    private let logger: Logger
    private let metrics: HeraldMetrics?

    /// - Parameter metrics: where `herald_store_writable` and `herald_store_writes_refused_total` go.
    public init(logger: Logger = Logger(label: "herald.store"), metrics: HeraldMetrics? = nil) {
        self.logger = logger
        self.metrics = metrics
        metrics?.storeWritable(true)
    }

    /// The outage in progress; nil while writes succeed.
    public var current: Outage? { state.withLock { $0 } }

    public var isWritable: Bool { current == nil }

    /// Called for every write the database refused for `problem`.
    public func writeFailed(_ problem: StoreUnavailable, now: Date = Date()) {
        let first = state.withLock { outage -> Bool in
            if outage == nil {
                outage = Outage(problem: problem, since: now, failures: 1)
                return true
            }
            outage?.failures += 1
            return false
        }
        metrics?.storeWriteRefused()
        guard first else { return }
        metrics?.storeWritable(false)
        logger.error(
            "database cannot be written (\(problem.cause.rawValue)): \(problem.path); deliveries are not handed out and admin writes answer UNAVAILABLE until it can",
            metadata: ["path": "\(problem.path)", "cause": "\(problem.cause.rawValue)", "error": "\(problem.detail)"])
    }

    /// Called after every write that committed.
    public func writeSucceeded(now: Date = Date()) {
        guard let ended = state.withLock({ outage -> Outage? in
            defer { outage = nil }
            return outage
        }) else { return }
        metrics?.storeWritable(true)
        logger.notice(
            "database writable again; dispatching resumes",
            metadata: [
                "path": "\(ended.problem.path)", "refused_writes": "\(ended.failures)",
                "seconds": "\(Int(now.timeIntervalSince(ended.since).rounded()))",
            ])
    }
}
