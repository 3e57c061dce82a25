import Foundation

/// What a client key may do on the bus.
public enum BusRole: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Admin RPC (everything `herald` and the gateway do) and the events endpoint.
    case admin
    /// The channel endpoint only: take deliveries and report their outcomes.
    case channel
    /// The events endpoint only: follow what happens (`herald tail`), change nothing.
    case observer

    public var description: String { rawValue }
}

/// The client keys the core admits, each with a role; the CURVE counterpart of
/// SSH's `authorized_keys`.
///
/// One key per line: the role, the Z85 public key, and an optional name that
/// logs use to say who connected. Blank lines and lines starting with `#` are
/// skipped.
///
/// ```
/// # role    public key                                  name
/// admin     rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7    ops-laptop
/// channel   Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID    email-1
/// ```
///
/// (Z85 keys may contain `#`, so a comment must start its line.)
public struct AuthorizedKeys: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let role: BusRole
        public let publicKey: String
        public let name: String

        public init(role: BusRole, publicKey: String, name: String) {
            self.role = role
            self.publicKey = publicKey
            self.name = name
        }
    }

    public private(set) var entries: [String: Entry] = [:]

    public init(_ entries: [Entry] = []) {
        for entry in entries { self.entries[entry.publicKey] = entry }
    }

    /// The entry for a Z85 public key, if it is listed.
    public func entry(for publicKey: String) -> Entry? { entries[publicKey] }

    public var count: Int { entries.count }

    /// How many keys each role has, for the log line after a (re)load.
    public var summary: String {
        BusRole.allCases.map { role in "\(entries.values.filter { $0.role == role }.count) \(role)" }
            .joined(separator: ", ")
    }

    /// Parses the file's text; `source` names it in errors ("keys.txt:3: ...").
    public init(parsing text: String, source: String) throws(CurveKeyError) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            let at = "\(source):\(index + 1)"
            guard let role = BusRole(rawValue: String(first)) else {
                throw CurveKeyError("\(at): unknown role \"\(first)\"; use admin, channel or observer")
            }
            guard fields.count >= 2 else { throw CurveKeyError("\(at): the \(role) line has no public key") }
            let publicKey = String(fields[1])
            guard CurveKey.isValid(publicKey) else {
                throw CurveKeyError("\(at): \"\(publicKey)\" is not a 40-character Z85 public key")
            }
            if let earlier = entries[publicKey] {
                throw CurveKeyError("\(at): this key is already listed, as \(earlier.role) \"\(earlier.name)\"")
            }
            let name = fields.count > 2 ? fields[2...].joined(separator: " ") : String(publicKey.prefix(8))
            entries[publicKey] = Entry(role: role, publicKey: publicKey, name: name)
        }
    }

    /// Reads and parses an authorised-keys file.
    public static func load(path: String) throws(CurveKeyError) -> AuthorizedKeys {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CurveKeyError("cannot read the authorized keys file \(path): \((error as NSError).localizedDescription)")
        }
        return try AuthorizedKeys(parsing: text, source: path)
    }
}
