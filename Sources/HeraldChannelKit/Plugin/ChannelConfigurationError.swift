import Foundation

/// Why a channel cannot start: what is missing or wrong in its configuration.
public struct ChannelConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sentence for the operator, e.g. "TWILIO_ACCOUNT_SID is not set".
    public var message: String
    /// The environment variable at fault, when there is one.
    public var variable: String?

    public init(_ message: String, variable: String? = nil) {
        self.message = message
        self.variable = variable
    }

    /// The error for an environment variable that is unset or empty.
    public static func missing(_ variable: String) -> ChannelConfigurationError {
        ChannelConfigurationError("\(variable) is not set", variable: variable)
    }

    /// The value of `variable`, or ``missing(_:)`` when it is unset or empty.
    public static func require(
        _ variable: String,
        in environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ChannelConfigurationError) -> String {
        guard let value = environment[variable], !value.isEmpty else { throw .missing(variable) }
        return value
    }

    public var description: String { message }
}
