/// Random misbehaviour the sandbox can add to API answers, so a client's retries, timeouts and
/// error screens can be exercised. All rates are probabilities in 0...1 and are off by default.
///
/// Faults are drawn per request from a PRNG seeded by `SandboxConfiguration.randomSeed`, so a run
/// with the same seed and the same request sequence misbehaves the same way. A faulted write is
/// not applied, but it still consumes rate-limit quota and carries the rate-limit headers.
public struct FaultConfiguration: Sendable, Equatable {
    /// Share of requests answered 500 `internal_error` or 503 `service_unavailable` (half each).
    public var errorRate: Double
    /// Share of requests delayed by `slowMilliseconds` before the answer (the answer itself is normal).
    public var slowRate: Double
    /// Delay for slow answers, in milliseconds.
    public var slowMilliseconds: Int
    /// Share of requests answered 200 with a truncated JSON body, as a broken proxy might.
    public var malformedRate: Double
    /// Share of requests answered 502 or 503 with an HTML error page, as a load balancer would.
    public var htmlRate: Double

    public init(errorRate: Double = 0, slowRate: Double = 0, slowMilliseconds: Int = 0, malformedRate: Double = 0, htmlRate: Double = 0) {
        self.errorRate = errorRate
        self.slowRate = slowRate
        self.slowMilliseconds = slowMilliseconds
        self.malformedRate = malformedRate
        self.htmlRate = htmlRate
    }
}
