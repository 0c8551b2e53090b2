/// Per-key fixed windows of the rate limit: a window opens at the first request after the
/// previous one ended and allows `rule.limit` requests.
struct RateLimitLedger: Sendable {
    /// What one request got from the ledger, and the header values to send with its answer.
    struct Decision: Sendable, Equatable {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Unix time of the reset, rounded up to a whole second so a client waiting until it is never early.
        var reset: Int
        /// Whole seconds until the reset, at least 1 (`retry_after`, `Retry-After`).
        var retryAfter: Int

        var headers: [(name: String, value: String)] {
            [("X-RateLimit-Limit", String(limit)), ("X-RateLimit-Remaining", String(remaining)), ("X-RateLimit-Reset", String(reset))]
        }
    }

    private struct Window: Sendable {
        var start: Double
        var used: Int
    }

    let rule: RateLimitRule
    private var windows: [String: Window] = [:]

    init(rule: RateLimitRule) {
        self.rule = rule
    }

    /// Consumes one unit for `key` at `now` (Unix seconds), or refuses when none is left.
    mutating func consume(key: String, now: Double) -> Decision {
        var window = windows[key] ?? Window(start: now, used: 0)
        if now >= window.start + rule.windowSeconds {
            window = Window(start: now, used: 0)
        }
        let allowed = window.used < rule.limit
        if allowed { window.used += 1 }
        windows[key] = window
        return decision(allowed: allowed, remaining: rule.limit - window.used, resetAt: window.start + rule.windowSeconds, now: now)
    }

    /// Headers for a request that no key can be charged for (401): a full, fresh window.
    func anonymous(now: Double) -> Decision {
        decision(allowed: true, remaining: rule.limit, resetAt: now + rule.windowSeconds, now: now)
    }

    /// The current state of `key` without consuming (for scripted 429 faults).
    func peek(key: String, now: Double) -> Decision {
        guard let window = windows[key], now < window.start + rule.windowSeconds else { return anonymous(now: now) }
        return decision(allowed: window.used < rule.limit, remaining: rule.limit - window.used, resetAt: window.start + rule.windowSeconds, now: now)
    }

    private func decision(allowed: Bool, remaining: Int, resetAt: Double, now: Double) -> Decision {
        Decision(
            allowed: allowed, limit: rule.limit, remaining: max(0, remaining), reset: Int(resetAt.rounded(.up)),
            retryAfter: max(1, Int((resetAt - now).rounded(.up))))
    }
}
