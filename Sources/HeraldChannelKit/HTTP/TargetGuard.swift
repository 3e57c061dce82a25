/// Decides whether a URL from a tenant may be called, and on which addresses.
///
/// The rule (against server-side request forgery): only http and https, and
/// every address the host resolves to must be public unless the operator's
/// allow-list names the host, the address or its block. The caller pins the
/// connection to the checked addresses (``HTTPRequest/pinnedAddresses``), so a
/// second DNS answer (rebinding) cannot send it anywhere else.
public struct TargetGuard: Sendable {
    public let allowList: AddressAllowList

    public init(allowList: AddressAllowList = AddressAllowList()) {
        self.allowList = allowList
    }

    /// A URL that passed, with the addresses to connect to.
    public struct Target: Sendable, Equatable {
        public var url: HTTPURL
        public var addresses: [IPAddress]
    }

    /// Why a URL may not be called.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case malformedURL
        case scheme(String)
        /// The host resolves (also) to an address that is not public and not allowed.
        case nonPublicAddress(host: String, address: IPAddress, scope: AddressScope)
        /// The host did not resolve: perhaps for now only.
        case unresolvable(host: String, reason: String)

        public var description: String { explained(target: "webhook", allowVariable: "HERALD_WEBHOOK_ALLOW") }

        /// What a channel reports for a URL it may not call now: RETRY when the
        /// host did not resolve (DNS may be down, or the record not there yet),
        /// FAILED with code `target_refused` otherwise.
        public func outcome(target: String, allowVariable: String) -> Outcome {
            if case .unresolvable(_, let reason) = self { return .retry(error: reason, code: "resolve") }
            return .failed(error: explained(target: target, allowVariable: allowVariable), code: "target_refused")
        }

        /// The refusal in words for the operator of a channel whose URLs are
        /// `target` URLs ("webhook", "chat") and whose exceptions are listed in
        /// `allowVariable`.
        public func explained(target: String, allowVariable: String) -> String {
            switch self {
            case .malformedURL:
                "the \(target) URL is not an absolute URL with a host"
            case .scheme(let scheme):
                "the \(target) URL's scheme \"\(scheme)\" is not http or https"
            case .nonPublicAddress(let host, let address, let scope):
                address.description == host
                    ? "refused: \(address) is a \(scope.rawValue) address, not a public one; list it in \(allowVariable) to allow it"
                    : "refused: \(host) resolves to \(address), a \(scope.rawValue) address, not a public one; list it in \(allowVariable) to allow it"
            case .unresolvable(_, let reason):
                reason
            }
        }
    }

    public func check(_ url: String) async -> Result<Target, Refusal> {
        guard let parsed = HTTPURL(url) else { return .failure(.malformedURL) }
        guard parsed.isHTTP else { return .failure(.scheme(parsed.scheme)) }
        let addresses: [IPAddress]
        if let literal = parsed.hostAddress {
            addresses = [literal]
        } else {
            do {
                addresses = try await HostResolver.addresses(of: parsed.host)
            } catch {
                return .failure(.unresolvable(host: parsed.host, reason: error.message))
            }
        }
        return judge(parsed, addresses: addresses)
    }

    /// The decision for `url` resolving to `addresses`: all must pass.
    public func judge(_ url: HTTPURL, addresses: [IPAddress]) -> Result<Target, Refusal> {
        for address in addresses {
            let scope = AddressScope.of(address)
            if !scope.isPublic && !allowList.permits(host: url.host, address: address) {
                return .failure(.nonPublicAddress(host: url.host, address: address, scope: scope))
            }
        }
        return .success(Target(url: url, addresses: addresses))
    }
}
