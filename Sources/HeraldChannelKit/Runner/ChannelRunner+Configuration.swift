import HeraldBus

extension ChannelRunner {
    /// How a runner connects and paces itself. The defaults are the protocol's;
    /// tests shorten the timings.
    public struct Configuration: Sendable {
        /// The core's channel endpoint, e.g. `tcp://127.0.0.1:7401`, or several cores'
        /// comma-separated (cores sharing one database): the worker registers with one
        /// at a time and moves to the next when it loses it.
        public var endpoint: String
        /// The endpoints of ``endpoint``, in the order they are tried.
        public var endpoints: [String] {
            let list = CoreEndpoints.split(endpoint)
            return list.isEmpty ? [endpoint] : list
        }
        /// Unique per running worker, e.g. "sms-twilio-host1-4711".
        public var instanceID: String
        /// Deliveries sent at once; the credit announced in `Register`.
        public var maxInFlight: Int
        /// CURVE keys for the DEALER; `nil` connects unencrypted.
        public var curve: CurveOptions?
        /// A `Register` unanswered this long means the core is not there: reconnect.
        public var registerTimeout: Duration
        /// The first wait before reconnecting; doubled after every failed attempt.
        public var initialReconnectDelay: Duration
        /// The longest wait before reconnecting.
        public var maximumReconnectDelay: Duration
        /// On shutdown, how long in-flight sends may take before they are cancelled.
        public var drainTimeout: Duration
        /// Used when a `Welcome` leaves `heartbeat_interval_ms` at 0.
        public var defaultHeartbeatInterval: Duration

        public init(
            endpoint: String,
            instanceID: String,
            maxInFlight: Int = 16,
            curve: CurveOptions? = nil,
            registerTimeout: Duration = .seconds(5),
            initialReconnectDelay: Duration = .seconds(1),
            maximumReconnectDelay: Duration = .seconds(32),
            drainTimeout: Duration = .seconds(30),
            defaultHeartbeatInterval: Duration = .seconds(5)
        ) {
            self.endpoint = endpoint
            self.instanceID = instanceID
            self.maxInFlight = maxInFlight
            self.curve = curve
            self.registerTimeout = registerTimeout
            self.initialReconnectDelay = initialReconnectDelay
            self.maximumReconnectDelay = maximumReconnectDelay
            self.drainTimeout = drainTimeout
            self.defaultHeartbeatInterval = defaultHeartbeatInterval
        }
    }
}
