import Crypto
import Foundation
import HeraldProto

extension AdminService {
    public func createApiKey(_ request: Herald_V1_CreateApiKeyRequest) async throws(AdminError) -> Herald_V1_CreateApiKeyResponse {
        var validator = FieldValidator()
        let role: APIKey.Role
        switch request.role {
        case .unspecified, .tenant: role = .tenant
        case .admin: role = .admin
        case .UNRECOGNIZED: validator.fail("role", "must be TENANT or ADMIN"); role = .tenant
        }
        if role == .tenant && request.tenantID.isEmpty {
            validator.fail("tenant_id", "a tenant key needs its tenant")
        }
        if request.name.count > 200 {
            validator.fail("name", "at most 200 characters")
        }
        try validator.finish()
        let tenantID: String? = request.tenantID.isEmpty ? nil : try await requireTenant(request.tenantID).id

        let secret = Self.makeAPIKey()
        let key = APIKey(
            id: Identifier.make(prefix: "key"), tenantID: tenantID, role: role,
            prefix: String(secret.prefix(Self.apiKeyPrefixLength)), hash: Self.apiKeyHash(secret),
            name: request.name, createdAt: clock.now())
        try await storing { try await store.createAPIKey(key) }
        // The id and prefix only: the key itself is never logged.
        logger.info("api key created", metadata: ["key": "\(key.id)", "tenant": "\(tenantID ?? "")", "role": "\(role.rawValue)"])
        return .with {
            $0.apiKey = key.proto
            $0.key = secret
        }
    }

    public func listApiKeys(_ request: Herald_V1_ListApiKeysRequest) async throws(AdminError) -> Herald_V1_ListApiKeysResponse {
        let tenantID: String? = request.tenantID.isEmpty ? nil : try await requireTenant(request.tenantID).id
        let keys = try await storing { try await store.apiKeys(tenantID: tenantID, includeRevoked: request.includeRevoked) }
        return .with { $0.apiKeys = keys.map(\.proto) }
    }

    public func revokeApiKey(_ request: Herald_V1_RevokeApiKeyRequest) async throws(AdminError) -> Herald_V1_ApiKey {
        var validator = FieldValidator()
        _ = validator.identifier("id", request.id)
        try validator.finish()
        guard try await storing({ try await store.apiKey(id: request.id) }) != nil else {
            throw .notFound(field: "id", "no API key \"\(request.id)\"")
        }
        let now = clock.now()
        let key = try await storing { try await store.revokeAPIKey(id: request.id, at: now) }
        logger.info("api key revoked", metadata: ["key": "\(key.id)"])
        return key.proto
    }

    public func authenticateApiKey(
        _ request: Herald_V1_AuthenticateApiKeyRequest
    ) async throws(AdminError) -> Herald_V1_AuthenticateApiKeyResponse {
        // Whatever is wrong with the key, one answer: a caller learns nothing about which keys exist.
        let refused = AdminError(code: .unauthenticated, message: "invalid or revoked API key")
        guard !request.key.isEmpty, request.key.utf8.count <= 256 else { throw refused }
        let hash = Self.apiKeyHash(request.key)
        guard let key = try await storing({ try await store.apiKey(hash: hash) }), key.revokedAt == nil else {
            throw refused
        }
        return .with {
            $0.keyID = key.id
            $0.role = key.role.proto
            $0.tenantID = key.tenantID ?? ""
        }
    }

    /// How many leading characters of a key are kept in clear to tell keys apart
    /// ("hk_" and 7 of its 43 random characters: 42 of its 256 bits).
    static let apiKeyPrefixLength = 10

    /// "hk_" and the base64url of 32 random bytes from the system's cryptographic generator.
    static func makeAPIKey() -> String {
        "hk_" + Base64URL.encode(Base64URL.randomBytes(32))
    }

    /// The stored form of a key: plain SHA-256, in hex.
    ///
    /// A slow password hash (bcrypt, Argon2) protects low-entropy secrets people
    /// choose. These keys are 256 random bits, so no guess can be tested against a
    /// leaked hash faster than brute force of 2^256; a fast hash loses nothing and
    /// lets every gateway request be checked with one indexed lookup.
    static func apiKeyHash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension APIKey.Role {
    public var proto: Herald_V1_ApiKeyRole {
        switch self {
        case .tenant: .tenant
        case .admin: .admin
        }
    }
}

extension APIKey {
    /// Never carries the hash, let alone the key.
    public var proto: Herald_V1_ApiKey {
        .with {
            $0.id = id
            $0.tenantID = tenantID ?? ""
            $0.role = role.proto
            $0.prefix = prefix
            $0.name = name
            $0.createdAt = Timestamp.format(createdAt)
            $0.revokedAt = Timestamp.format(revokedAt)
        }
    }
}
