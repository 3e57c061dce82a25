import HeraldProto

/// What the core answers a `Register`: refused with a reason that names the
/// rule, or admitted, perhaps with a note for the operator.
///
/// A registration is refused when the worker could never get a job as it
/// registered, so that its author finds out at once instead of watching jobs
/// wait beside a connected worker:
/// - a channel name that is not one (``ChannelName/problem(with:)``, the rule
///   `herald team add` applies): no job is ever planned on it;
/// - an `sms` worker whose provider (or, for provider `outbox`, its
///   `stands_in_for`) is not `twilio` or `vonage`: every SMS job names one of
///   them and goes only to a worker of that provider.
///
/// Where the worker gets work but registered something that does not mean what
/// it seems to, it is admitted with a warning (the core's log and a note on the
/// worker in `herald channels`): `stands_in_for` from a worker whose provider
/// is not `outbox` (the field is for an outbox). On `sms` it still routes, so
/// the worker takes the other provider's jobs under its own name; elsewhere it
/// has no effect, since those jobs name no provider. An outbox (HeraldChannelKit's
/// `--outbox` names the provider it replaces on every channel) gets no note.
enum RegisterCheck: Equatable {
    case reject(String)
    case admit(note: String?)

    static func check(_ register: Herald_V1_Register) -> RegisterCheck {
        if register.protocolVersion != .protocolVersion1 {
            return .reject("protocol version \(register.protocolVersion.rawValue) is not spoken here (this core speaks 1)")
        }
        if let problem = ChannelName.problem(with: register.channel) {
            return .reject("channel \(problem)")
        }
        if register.provider.isEmpty || register.provider.count > 64 {
            return .reject("provider must be 1-64 characters")
        }
        if register.standsInFor.count > 64 {
            return .reject("stands_in_for must be at most 64 characters")
        }
        if register.instanceID.isEmpty || register.instanceID.count > 200 {
            return .reject("instance_id must be 1-200 characters")
        }
        if register.maxInFlight == 0 || register.maxInFlight > 10_000 {
            return .reject("max_in_flight must be between 1 and 10000")
        }
        if register.pluginVersion.count > 64 {
            return .reject("plugin_version must be at most 64 characters")
        }
        if register.capabilities.count > 64 || register.capabilities.contains(where: { $0.count > 64 }) {
            return .reject("capabilities must be at most 64 names of at most 64 characters")
        }
        if let problem = ProviderAccounts.problem(with: register.accounts) {
            return .reject(problem)
        }
        let providers = SMSProvider.allCases.map(\.rawValue)
        if register.channel == "sms" {
            let jobProvider = register.standsInFor.isEmpty ? register.provider : register.standsInFor
            if !providers.contains(jobProvider) {
                let given =
                    register.standsInFor.isEmpty
                    ? "provider \"\(register.provider.prefix(64))\""
                    : "stands_in_for \"\(register.standsInFor.prefix(64))\""
                return .reject(
                    "an sms worker gets the jobs of provider twilio or vonage only (each SMS job names one), not \(given): "
                        + "register provider twilio or vonage, or provider \"outbox\" with stands_in_for twilio or vonage")
            }
        }
        if !register.standsInFor.isEmpty && register.provider != "outbox" {
            let effect =
                register.channel == "sms"
                ? "this worker takes \(register.standsInFor)'s SMS jobs while its results name \"\(register.provider)\""
                : "it has no effect on channel \(register.channel), whose jobs name no provider"
            return .admit(
                note: "stands_in_for \"\(register.standsInFor)\" is meant for provider \"outbox\"; \(effect)")
        }
        return .admit(note: nil)
    }
}
