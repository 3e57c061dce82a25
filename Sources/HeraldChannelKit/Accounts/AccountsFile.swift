import Foundation

/// One named provider account of a channel program: the variables its channel reads
/// (credentials, sender) laid over the program's environment, and its sending limit.
public struct ProviderAccount: Sendable, Equatable {
    public var name: String
    /// Upper-case names (`TWILIO_ACCOUNT_SID`, `SMTP_FROM`, ...) and their values.
    public var variables: [String: String]
    /// Messages per second this account's sender may send; nil: the channel's default.
    public var ratePerSecond: Double?

    public init(name: String, variables: [String: String], ratePerSecond: Double? = nil) {
        self.name = name
        self.variables = variables
        self.ratePerSecond = ratePerSecond
    }
}

/// A channel program's accounts file (`--accounts FILE`), JSON:
///
/// ```json
/// {"accounts": [
///   {"name": "salon", "TWILIO_ACCOUNT_SID": "AC...", "TWILIO_AUTH_TOKEN": "...",
///    "TWILIO_PHONE_NUMBER": "+15550001111", "rate_per_second": 1},
///   {"name": "clinic", "TWILIO_ACCOUNT_SID": "AC...", "TWILIO_AUTH_TOKEN": "...",
///    "TWILIO_MESSAGING_SERVICE_SID": "MG..."}
/// ]}
/// ```
///
/// Each entry names an account and gives, in upper case, the same variables the
/// program reads from its environment. Its credentials and sender it must give
/// itself (the configuration's `accountVariables`); others it leaves out (an API
/// base, a timeout) come from the environment.
/// Lower-case keys are Herald's own: `name` and `rate_per_second`.
///
/// The file holds secrets, so one that others may read (any permission for "other")
/// is refused, as is one that cannot be read. Errors name the entry and the key.
public enum AccountsFile {
    /// The account the program's own environment makes, for deliveries that name none.
    public static let defaultName = "default"

    public static func load(path: String) throws(ChannelConfigurationError) -> [ProviderAccount] {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ChannelConfigurationError("the accounts file \(path) cannot be read: \(error.localizedDescription)")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o007 != 0 {
            throw ChannelConfigurationError(
                "the accounts file \(path) holds secrets but others may read it (mode \(String(mode & 0o777, radix: 8))); chmod o-rwx it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChannelConfigurationError("the accounts file \(path) cannot be read")
        }
        return try parse(data, path: path)
    }

    static func parse(_ data: Data, path: String) throws(ChannelConfigurationError) -> [ProviderAccount] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ChannelConfigurationError("the accounts file \(path) is not JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any], let entries = object["accounts"] as? [Any], object.count == 1 else {
            throw ChannelConfigurationError("the accounts file \(path) must be {\"accounts\": [...]}")
        }
        var accounts: [ProviderAccount] = []
        for (index, item) in entries.enumerated() {
            let at = "entry \(index + 1) of \(path)"
            guard let entry = item as? [String: Any] else { throw ChannelConfigurationError("\(at) is not an object") }
            guard let name = entry["name"] as? String, isAccountName(name) else {
                throw ChannelConfigurationError(
                    "\(at) needs a \"name\" of letters, digits, \"-\" and \"_\" (at most 64, starting with a letter or digit)")
            }
            let named = "account \"\(name)\" (\(at))"
            guard name != defaultName else {
                throw ChannelConfigurationError("\(named): \"\(defaultName)\" is the account of the program's environment")
            }
            guard !accounts.contains(where: { $0.name == name }) else {
                throw ChannelConfigurationError("\(named) is named twice")
            }
            var account = ProviderAccount(name: name, variables: [:])
            for (key, value) in entry where key != "name" {
                if key == "rate_per_second" {
                    // JSONSerialization gives true and false as NSNumbers too; `is Bool` holds for
                    // every 0 and 1 as well, so booleans are told by their type code ("c").
                    guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
                          case let rate = number.doubleValue, rate > 0, rate <= 10_000 else {
                        throw ChannelConfigurationError("\(named): rate_per_second must be a number above 0 and at most 10000")
                    }
                    account.ratePerSecond = rate
                } else if key.first?.isUppercase == true, key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                    guard let text = value as? String else {
                        throw ChannelConfigurationError("\(named): \(key) must be a string", variable: key)
                    }
                    account.variables[key] = text
                } else {
                    throw ChannelConfigurationError(
                        "\(named): unknown key \"\(key)\" (upper-case variables, name and rate_per_second)")
                }
            }
            accounts.append(account)
        }
        return accounts
    }

    static func isAccountName(_ name: String) -> Bool {
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard let first = name.unicodeScalars.first, alphanumeric(first), name.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { alphanumeric($0) || $0 == "-" || $0 == "_" }
    }
}
