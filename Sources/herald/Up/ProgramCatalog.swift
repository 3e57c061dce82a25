import Foundation

/// The programs `herald up` can start, found next to the `herald` executable:
/// `heraldd` and every `herald-*` channel program.
struct ProgramCatalog {
    /// Programs named `herald-*` that are not channels.
    static let notChannels: Set<String> = ["herald-test-channel", "herald-bench", "herald-gateway"]

    let directory: URL
    let core: URL
    /// Channel programs, by name, sorted.
    let channels: [URL]
    /// `herald-gateway`, the HTTP API, when it was built next to the core.
    let gateway: URL?

    enum LookupError: Error, CustomStringConvertible {
        case noCore(directory: String)
        case unknownChannels([String], available: [String])

        var description: String {
            switch self {
            case .noCore(let directory):
                "heraldd is not in \(directory); build every program first (swift build -c release) or name their folder with --bin-dir"
            case .unknownChannels(let names, let available):
                "no channel program named \(names.joined(separator: ", ")) in the bin folder; found: "
                    + (available.isEmpty ? "none" : available.joined(separator: ", "))
            }
        }
    }

    /// - Parameter only: channel program names to start; `nil` starts every one found.
    init(directory: URL, only: [String]?) throws {
        self.directory = directory
        let core = directory.appendingPathComponent("heraldd")
        guard Self.isExecutable(core) else { throw LookupError.noCore(directory: directory.path) }
        self.core = core

        let gateway = directory.appendingPathComponent("herald-gateway")
        self.gateway = Self.isExecutable(gateway) ? gateway : nil

        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let found = names.filter { name in
            // Build folders hold `herald-x.swiftmodule` and friends: a program name has no dot.
            name.hasPrefix("herald-") && !name.contains(".") && !Self.notChannels.contains(name)
                && Self.isExecutable(directory.appendingPathComponent(name))
        }.sorted()

        if let only {
            let unknown = only.filter { !found.contains($0) }
            guard unknown.isEmpty else { throw LookupError.unknownChannels(unknown, available: found) }
            channels = only.map { directory.appendingPathComponent($0) }
        } else {
            channels = found.map { directory.appendingPathComponent($0) }
        }
    }

    /// The folder of the running `herald` (through symlinks), where `swift build`
    /// and the Docker image put every program.
    static func ownDirectory() -> URL {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    private static func isExecutable(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }
}
