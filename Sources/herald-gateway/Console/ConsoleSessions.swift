import Crypto
import Foundation

/// One browser signed in to the console: the API key it signed in with (asked of the
/// core again on every request, so a revoked key ends the session at once) and the
/// token its forms must carry.
struct ConsoleSession: Sendable {
    /// The cookie's value: 32 random bytes, base64url.
    let id: String
    /// The CSRF token every form of this session posts back.
    let csrf: String
    let apiKey: String
    let expires: Date
}

/// The console's sessions, kept in this gateway's memory: a restart signs every
/// browser out, and several gateways behind one address need sticky sessions
/// (docs/console.md). At most `capacity` at once; a new one beyond that pushes out
/// the one closest to its end.
actor ConsoleSessions {
    let lifetime: TimeInterval
    let capacity: Int
    private var sessions: [String: ConsoleSession] = [:]

    init(lifetime: TimeInterval, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func open(apiKey: String, now: Date) -> ConsoleSession {
        sessions = sessions.filter { $0.value.expires > now }
        if sessions.count >= capacity, let soonest = sessions.values.min(by: { $0.expires < $1.expires }) {
            sessions[soonest.id] = nil
        }
        let session = ConsoleSession(
            id: Self.randomToken(), csrf: Self.randomToken(), apiKey: apiKey, expires: now.addingTimeInterval(lifetime))
        sessions[session.id] = session
        return session
    }

    /// The session of this cookie value while it lasts; nil when unknown or expired.
    func session(_ id: String, now: Date) -> ConsoleSession? {
        guard let session = sessions[id] else { return nil }
        guard session.expires > now else {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func close(_ id: String) {
        sessions[id] = nil
    }

    /// Ends every session of a key the core no longer accepts.
    func close(apiKey: String) {
        sessions = sessions.filter { $0.value.apiKey != apiKey }
    }

    var count: Int { sessions.count }

    /// 32 bytes from the system's cryptographic generator (getrandom on Linux), base64url.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `text` has the shape of ``randomToken()``: 43 base64url characters.
    static func isToken(_ text: String) -> Bool {
        text.utf8.count == 43 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    /// Compares two tokens in time independent of where they differ: their SHA-256
    /// digests, which swift-crypto compares in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }
}
