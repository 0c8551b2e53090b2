import Foundation

/// What the server last said about the rate-limit window: the status bar shows it live
/// (`quota 87/100 · reset 34s`) and the quota gate decides from it.
public struct QuotaSnapshot: Sendable, Hashable, Codable {
    public var limit: Int
    public var remaining: Int
    /// When the window resets, on this machine's clock.
    public var resetAt: Date?
    /// When the answer carrying these figures arrived.
    public var observedAt: Date

    public init(limit: Int, remaining: Int, resetAt: Date?, observedAt: Date) {
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.observedAt = observedAt
    }

    /// Whole seconds until the reset (never negative), for the countdown.
    public func secondsUntilReset(now: Date) -> Int? {
        guard let resetAt else { return nil }
        return max(0, Int((resetAt.timeIntervalSince(now)).rounded(.up)))
    }

    /// Whether the window these figures describe is over.
    public func isExpired(now: Date) -> Bool {
        guard let resetAt else { return false }
        return now >= resetAt
    }

    /// Reads `X-RateLimit-Limit`, `-Remaining` and `-Reset`. Reset is documented as a Unix time;
    /// a value under 10^9 cannot be one (it would be 1970) and is read as seconds from now, which
    /// some gateways send. Unreadable values are ignored rather than trusted.
    public static func parse(headers: [HTTPHeader], now: Date) -> QuotaSnapshot? {
        func number(_ name: String) -> Double? {
            // Past 10^15 no quota or clock is meant: a figure that large (Int(1e30) would trap)
            // is as unreadable as a word.
            // Spaces and tabs trimmed by hand: Foundation's `trimmingCharacters(in:)` cost more
            // than the rest of this parse, on every answer (perf, `minimo-bench lookup`).
            guard let raw = headers.value(of: name),
                let value = Double(trimmed(raw)),
                value.isFinite, value >= 0, value < 1e15
            else { return nil }
            return value
        }
        guard let remaining = number("X-RateLimit-Remaining") else { return nil }
        let limit = number("X-RateLimit-Limit").map { Int($0) } ?? Int(remaining)
        var resetAt: Date?
        if let reset = number("X-RateLimit-Reset") {
            resetAt = reset < 1e9 ? now.addingTimeInterval(reset) : Date(timeIntervalSince1970: reset)
        }
        return QuotaSnapshot(
            limit: max(limit, 0), remaining: min(Int(remaining), max(limit, Int(remaining))),
            resetAt: resetAt, observedAt: now)
    }

    /// `text` without the spaces and tabs around it.
    static func trimmed(_ text: String) -> Substring {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }

    /// `quota 87/100 · reset 34s`, as the status bar shows it.
    public func summary(now: Date) -> String {
        var text = "quota \(remaining)/\(limit)"
        if let seconds = secondsUntilReset(now: now) { text += " · reset \(seconds)s" }
        return text
    }
}
