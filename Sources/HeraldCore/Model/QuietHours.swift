/// A daily window, in the tenant's time zone, in which no message should arrive.
///
/// Both ends are minutes after local midnight (0...1439). When `startMinute` is
/// greater than `endMinute` the window crosses midnight (22:00–07:00 is 1320–420).
public struct QuietHours: Sendable, Equatable, Codable {
    public var startMinute: Int
    public var endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Whether the window wraps past local midnight.
    public var crossesMidnight: Bool { startMinute > endMinute }
}
