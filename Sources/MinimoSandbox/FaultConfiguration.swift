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
    /// Share of requests answered 429 although the quota is not spent (another client of the
    /// same account, a burst limit), with `Retry-After: rateLimitedRetryAfter`.
    public var rateLimitedRate: Double
    /// The `Retry-After` (seconds) of an injected 429.
    public var rateLimitedRetryAfter: Int

    public init(
        errorRate: Double = 0, slowRate: Double = 0, slowMilliseconds: Int = 0, malformedRate: Double = 0, htmlRate: Double = 0,
        rateLimitedRate: Double = 0, rateLimitedRetryAfter: Int = 1
    ) {
        self.errorRate = errorRate
        self.slowRate = slowRate
        self.slowMilliseconds = slowMilliseconds
        self.malformedRate = malformedRate
        self.htmlRate = htmlRate
        self.rateLimitedRate = rateLimitedRate
        self.rateLimitedRetryAfter = rateLimitedRetryAfter
    }

    /// The rates as `PUT /__sandbox/fault-rates` takes and answers them.
    var json: JSONValue {
        .object([
            "errorRate": .double(errorRate), "slowRate": .double(slowRate), "slowMilliseconds": .int(slowMilliseconds),
            "malformedRate": .double(malformedRate), "htmlRate": .double(htmlRate), "rateLimitedRate": .double(rateLimitedRate),
            "rateLimitedRetryAfter": .int(rateLimitedRetryAfter),
        ])
    }

    /// These rates with the members of `json` that are present replaced; each rate must be in
    /// 0...1 and each count 0 or more.
    func updated(with json: JSONValue) throws(APIError) -> FaultConfiguration {
        guard case .object(let members) = json else { throw .badRequest("Expected an object of fault rates", field: "body", value: nil) }
        var result = self
        let rates: [(String, WritableKeyPath<FaultConfiguration, Double>)] = [
            ("errorRate", \.errorRate), ("slowRate", \.slowRate), ("malformedRate", \.malformedRate), ("htmlRate", \.htmlRate),
            ("rateLimitedRate", \.rateLimitedRate),
        ]
        let counts: [(String, WritableKeyPath<FaultConfiguration, Int>)] = [
            ("slowMilliseconds", \.slowMilliseconds), ("rateLimitedRetryAfter", \.rateLimitedRetryAfter),
        ]
        for member in members {
            if let (_, path) = rates.first(where: { $0.0 == member.key }) {
                let rate: Double
                switch member.value {
                case .int(let whole): rate = Double(whole)
                case .double(let fraction): rate = fraction
                default: rate = .nan
                }
                guard (0...1).contains(rate) else {
                    throw .badRequest("\(member.key) must be a number between 0 and 1", field: member.key, value: member.value)
                }
                result[keyPath: path] = rate
            } else if let (_, path) = counts.first(where: { $0.0 == member.key }) {
                guard case .int(let count) = member.value, count >= 0 else {
                    throw .badRequest("\(member.key) must be a whole number of at least 0", field: member.key, value: member.value)
                }
                result[keyPath: path] = count
            } else {
                throw .badRequest("Unknown fault setting \(member.key)", field: member.key, value: member.value)
            }
        }
        return result
    }
}
