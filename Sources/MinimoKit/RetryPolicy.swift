/// How failed requests are retried (DESIGN §4). 5xx, network errors and unreadable bodies are
/// retried only for idempotent requests (GET, PUT, DELETE, and POST with an Idempotency-Key); a
/// 429 is retried for any request, since the server did not act on it, after the wait it asked
/// for. Backoff is capped exponential with full jitter: a delay drawn uniformly from
/// `0 ..< min(maxDelay, baseDelay * 2^attempt)`.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt (so at most `maxRetries + 1` requests).
    public var maxRetries: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// A 429 asking for a longer wait than this is reported instead of waited out.
    public var maxRateLimitWait: Double

    public init(maxRetries: Int = 3, baseDelay: Double = 0.25, maxDelay: Double = 8, maxRateLimitWait: Double = 120) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRateLimitWait = maxRateLimitWait
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxRetries: 0)

    /// The delay before retry number `attempt` (0 for the first retry).
    public func backoff(attempt: Int, random: RandomSource) -> Double {
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(attempt, 30)))
        return random.nextUnit() * ceiling
    }
}
