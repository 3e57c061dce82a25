/// Everything that can change a runner's state, funnelled into one stream so
/// that a single loop (``RunnerLoop``) owns that state.
///
/// Events tied to a connection carry its serial number; one from a connection
/// that has since been replaced is stale and ignored.
enum RunnerEvent: Sendable {
    /// A frame from the core; `nil` when it did not decode as a `CoreMessage`.
    case received(Herald_V1_CoreMessage?, connection: UInt64)
    case heartbeatDue(connection: UInt64)
    case registerTimedOut(connection: UInt64)
    case reconnectDue
    case sendFinished(deliveryID: String, outcome: Outcome, started: ContinuousClock.Instant)
    /// A provider callback's news (its `report_id` not yet set), to go to the core as
    /// the `Report` with this id.
    case reportRequested(id: UInt64, report: Herald_V1_Report)
    case shutdownRequested(reason: String)
    /// The plugin's accounts changed (a reload): the core is told.
    case accountsChanged
    case drainTimedOut
}
