import ArgumentParser
import Foundation
import HeraldBus

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make and inspect CURVE keys for the bus.",
        discussion: """
            With CURVE on, heraldd (--curve-secret-key, --authorized-keys) admits only the \
            public keys in its authorized keys file, each with a role: admin (admin RPC and \
            events), channel (the channel endpoint) or observer (events). See docs/security.md.
            """,
        subcommands: [Generate.self, Init.self, Public.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make CURVE key pairs (Z85): NAME.key (secret, mode 600) and NAME.pub.",
            discussion: """
                Without --out, prints one key file on stdout (redirect it to a file). With \
                --role, also prints the authorized-keys lines to add on the core's side.
                """)

        @Argument(help: "Names of the key pairs, e.g. core admin email-1 (default: herald).")
        var names: [String] = []

        @Option(help: ArgumentHelp("Write the files into this directory (made, mode 700, if missing).", valueName: "dir"))
        var out: String?

        @Option(help: ArgumentHelp("Print authorized-keys lines with this role: admin, channel or observer.", valueName: "role"))
        var role: String?

        @Flag(help: "Replace key files that exist (otherwise they are never overwritten).")
        var force = false

        var resolvedNames: [String] { names.isEmpty ? ["herald"] : names }

        func validate() throws {
            for name in resolvedNames where !Self.isSafeName(name) {
                throw ValidationError("\"\(name)\" is not a usable key name: letters, digits, '.', '_' and '-' only")
            }
            if Set(resolvedNames).count != resolvedNames.count { throw ValidationError("a name is given twice") }
            if let role, BusRole(rawValue: role) == nil {
                throw ValidationError("--role must be admin, channel or observer, not \"\(role)\"")
            }
            if out == nil, resolvedNames.count > 1 {
                throw ValidationError("several key pairs need --out DIR (stdout holds one key file)")
            }
        }

        static func isSafeName(_ name: String) -> Bool {
            !name.isEmpty && !name.hasPrefix(".") && name.count <= 64
                && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }
        }

        func run() throws {
            let pairs = try resolvedNames.map { name in (name, try CurveKeyPair.generate()) }
            guard let out else {
                let (name, pair) = pairs[0]
                print(pair.secretFileText, terminator: "")
                if let role { FileHandle.standardError.write(Data("\(role) \(pair.publicKey) \(name)\n".utf8)) }
                return
            }
            let directory = URL(fileURLWithPath: out, isDirectory: true)
            try KeyFiles.makeDirectory(directory)
            for (name, pair) in pairs {
                let secretFile = directory.appendingPathComponent("\(name).key")
                let publicFile = directory.appendingPathComponent("\(name).pub")
                try KeyFiles.write(pair.secretFileText, to: secretFile, mode: 0o600, replace: force)
                try KeyFiles.write(pair.publicFileText, to: publicFile, mode: 0o644, replace: force)
                print("\(secretFile.path)  \(publicFile.path)  \(pair.publicKey)")
            }
            if let role {
                print("\n# add to the core's authorized keys file, then send heraldd SIGHUP:")
                for (name, pair) in pairs { print("\(role) \(pair.publicKey) \(name)") }
            }
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the standard key set in DIR, unless it is there already.",
            discussion: """
                core.key/.pub for heraldd, admin.key/.pub for the CLI and the gateway,                 channel.key/.pub for the channel programs, and authorized_keys admitting admin                 and channel. Run it again and nothing changes, so it is safe in a setup script.
                """)

        @Argument(help: "The directory (made, mode 700, if missing).") var directory: String

        func run() throws {
            let (keys, made) = try KeySet.prepare(in: URL(fileURLWithPath: directory, isDirectory: true))
            print(made ? "made the key set in \(keys.directory.path)" : "\(keys.directory.path) already holds a key set; nothing changed")
            print("heraldd:  \(keys.coreArguments.joined(separator: " "))")
            print("herald:   \(keys.clientArguments("admin").joined(separator: " "))")
            print("channels: \(keys.clientArguments("channel").joined(separator: " "))")
        }
    }

    struct Public: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the public key of a key file (.key or .pub), e.g. for an authorized-keys line.")

        @Argument(help: "The key file.") var file: String

        func run() throws {
            do {
                print(try CurvePublicKey.resolve(file))
            } catch {
                throw ValidationError(error.message)
            }
        }
    }
}

/// Writing key files without ever leaving a secret readable by others, even briefly.
enum KeyFiles {
    static func makeDirectory(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ValidationError("\(directory.path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ValidationError("cannot create \(directory.path): \((error as NSError).localizedDescription)")
        }
    }

    /// Creates the file with `mode` from the start (O_EXCL unless `replace`), so a
    /// secret key is never on disk with wider permissions.
    static func write(_ text: String, to file: URL, mode: mode_t, replace: Bool) throws {
        if replace { unlink(file.path) }
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists (use --force to replace it)" : String(cString: strerror(errno))
            throw ValidationError("cannot write \(file.path): \(reason)")
        }
        defer { close(fd) }
        fchmod(fd, mode)  // the umask may have narrowed a .pub file's mode
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw ValidationError("cannot write \(file.path): \(String(cString: strerror(errno)))")
        }
    }
}
