import CZeroMQ
import Foundation

/// What is wrong with a key, a key file or an authorised-keys file, in words an
/// operator can act on (the file and line at fault, never the secret itself).
public struct CurveKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// CURVE keys as ZeroMQ writes them: Z85 text, 40 characters for 32 bytes.
public enum CurveKey {
    /// Characters in a Z85 key.
    public static let length = 40

    /// Whether `text` is a well-formed Z85 key (40 characters that decode to 32 bytes).
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count == length else { return false }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) != nil
    }

    /// The public key that belongs to `secretKey`, so a key file whose halves do not
    /// match is caught at start rather than as a handshake nobody can explain.
    public static func publicKey(forSecretKey secretKey: String) throws(CurveKeyError) -> String {
        guard isValid(secretKey) else { throw CurveKeyError("the secret key is not a 40-character Z85 key") }
        var publicKey = [CChar](repeating: 0, count: length + 1)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else {
            throw CurveKeyError("libzmq cannot derive a public key (is it built with CURVE support?)")
        }
        return String(decoding: publicKey.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Z85 text of a 32-byte binary key, as the ZAP handler receives client keys.
    static func z85(_ bytes: Data) -> String? {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: length + 1)
        let encoded = bytes.withUnsafeBytes { raw in
            zmq_z85_encode(&text, raw.bindMemory(to: UInt8.self).baseAddress, 32)
        }
        guard encoded != nil else { return nil }
        return String(decoding: text.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A CURVE key pair, read from or written to a key file.
///
/// The file format is ZeroMQ's certificate format (ZPL, as czmq's `zcert` writes
/// it), so keys made by other ZeroMQ tools work too:
///
/// ```
/// curve
///     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
///     secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
/// ```
///
/// A public key file has the same shape without the `secret-key` line.
public struct CurveKeyPair: Sendable, Hashable {
    public let publicKey: String
    public let secretKey: String

    /// Checks that both halves are Z85 keys and belong together.
    public init(publicKey: String, secretKey: String) throws(CurveKeyError) {
        guard CurveKey.isValid(publicKey) else { throw CurveKeyError("the public key is not a 40-character Z85 key") }
        guard try CurveKey.publicKey(forSecretKey: secretKey) == publicKey else {
            throw CurveKeyError("the public key does not belong to the secret key")
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from libzmq (libsodium underneath).
    public static func generate() throws(CurveKeyError) -> CurveKeyPair {
        do {
            let (publicKey, secretKey) = try CurveOptions.generateKeyPair()
            return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
        } catch let error as CurveKeyError {
            throw error
        } catch {
            throw CurveKeyError("cannot generate a CURVE key pair: \(error)")
        }
    }

    /// Reads a secret key file; an error names the file but never quotes it.
    public static func load(path: String) throws(CurveKeyError) -> CurveKeyPair {
        let fields = try KeyFileText.fields(path: path)
        guard let secretKey = fields["secret-key"] else {
            throw CurveKeyError("\(path) has no secret-key (is it a public key file? use the .key file)")
        }
        // A file with only the secret half is fine: the public half follows from it.
        let publicKey: String
        if let listed = fields["public-key"] {
            publicKey = listed
        } else {
            publicKey = try Self.derive(secretKey, path: path)
        }
        do {
            return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
        } catch {
            throw CurveKeyError("\(path): \(error.message)")
        }
    }

    private static func derive(_ secretKey: String, path: String) throws(CurveKeyError) -> String {
        do {
            return try CurveKey.publicKey(forSecretKey: secretKey)
        } catch {
            throw CurveKeyError("\(path): \(error.message)")
        }
    }

    /// The secret key file's text.
    public var secretFileText: String {
        """
        #   Herald CURVE secret key. Keep this file private (mode 0600):
        #   whoever reads it can connect as its owner.
        curve
            public-key = "\(publicKey)"
            secret-key = "\(secretKey)"

        """
    }

    /// The public key file's text: safe to copy anywhere.
    public var publicFileText: String {
        """
        #   Herald CURVE public key.
        curve
            public-key = "\(publicKey)"

        """
    }
}

/// Where a client finds the server's public key: the key itself, or a file holding it.
public enum CurvePublicKey {
    /// `text` as a Z85 key, else the `public-key` of the key file at that path.
    public static func resolve(_ text: String) throws(CurveKeyError) -> String {
        if CurveKey.isValid(text) { return text }
        guard FileManager.default.fileExists(atPath: text) else {
            throw CurveKeyError("\"\(text)\" is neither a 40-character Z85 public key nor a key file that exists")
        }
        let fields = try KeyFileText.fields(path: text)
        guard let publicKey = fields["public-key"] else { throw CurveKeyError("\(text) has no public-key") }
        guard CurveKey.isValid(publicKey) else { throw CurveKeyError("\(text): the public key is not a 40-character Z85 key") }
        return publicKey
    }
}

/// The `name = "value"` lines of a ZPL key file; sections and comments are skipped.
enum KeyFileText {
    /// Key files are a few hundred bytes; anything far bigger is the wrong file.
    static let maxSize = 64 << 10

    static func fields(path: String) throws(CurveKeyError) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CurveKeyError("cannot read the key file \(path): \((error as NSError).localizedDescription)")
        }
        guard data.count <= maxSize, let text = String(data: data, encoding: .utf8) else {
            throw CurveKeyError("\(path) is not a key file")
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            fields[name] = value
        }
        return fields
    }
}
