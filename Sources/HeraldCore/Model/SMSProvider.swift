/// The SMS providers a tenant can prefer (and fail over between).
public enum SMSProvider: String, Sendable, Equatable, Codable, CaseIterable {
    case twilio
    case vonage
}
