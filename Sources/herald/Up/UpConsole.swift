import Foundation
import Synchronization

/// The one terminal `herald up` and all its children share: every line is
/// prefixed with the program that wrote it, coloured per program when stdout is
/// a terminal, and written whole so lines from different children never mix.
final class UpConsole: Sendable {
    /// What `herald up` itself says is prefixed with this name.
    static let ownName = "herald up"

    private let useColor: Bool
    private let prefixWidth: Int
    private let colors: [String: String]
    private let lock = Mutex(())

    /// - Parameter names: every program that will write, so prefixes line up and
    ///   each gets its own colour.
    init(names: [String], useColor: Bool) {
        self.useColor = useColor
        prefixWidth = ([Self.ownName] + names).map(\.count).max() ?? 0
        // Cyan, magenta, green, blue, bright cyan, bright magenta, bright green, bright blue:
        // yellow and red stay free for warnings and errors.
        let palette = ["36", "35", "32", "34", "96", "95", "92", "94"]
        var colors: [String: String] = [:]
        for (index, name) in names.enumerated() {
            colors[name] = palette[index % palette.count]
        }
        self.colors = colors
    }

    /// Whether colour suits this terminal: stdout is a TTY, `NO_COLOR` is unset and
    /// `TERM` is not `dumb`.
    static func colorIsWanted(environment: [String: String]) -> Bool {
        isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    /// A line a child wrote.
    func line(from name: String, _ text: String) {
        write(prefix(name, color: colors[name]), text)
    }

    /// Something `herald up` reports.
    func say(_ text: String) {
        write(prefix(Self.ownName, color: "1"), text)
    }

    /// Something the operator must not miss (a channel sending nowhere real, a crash).
    func warn(_ text: String) {
        write(prefix(Self.ownName, color: "1;33"), text, color: "1;33")
    }

    /// A failure that stops `herald up`.
    func fail(_ text: String) {
        write(prefix(Self.ownName, color: "1;31"), text, color: "1;31")
    }

    private func prefix(_ name: String, color: String?) -> String {
        let padded = name.padding(toLength: prefixWidth, withPad: " ", startingAt: 0)
        return paint(padded, color) + " | "
    }

    private func paint(_ text: String, _ color: String?) -> String {
        guard useColor, let color else { return text }
        return "\u{1B}[\(color)m\(text)\u{1B}[0m"
    }

    private func write(_ prefix: String, _ text: String, color: String? = nil) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let data = Data(lines.map { prefix + paint(String($0), color) + "\n" }.joined().utf8)
        lock.withLock { _ in FileHandle.standardOutput.write(data) }
    }
}
