import Foundation

/// How long a number of background requests will take at the shared quota: what the current
/// window still allows background work (the remaining less the interactive reserve), then
/// (1 − reserve) × limit per window. The import's plan and the TUI's bulk review both say it.
///
/// The window's length is not in the headers (limit, remaining and reset are): the caller may
/// pass what it has seen (the longest time to a reset any answer gave: the first request of a
/// window sees nearly all of it); otherwise one minute is assumed, Minimo's plans being per
/// minute. Either way, never less than the time to the current reset.
public struct QuotaETA: Sendable, Hashable {
    public enum Estimate: Sendable, Hashable {
        /// Nothing to send.
        case nothing
        /// No minimo process on this key has had an answer yet: the quota is unknown.
        case unknown
        /// Everything fits in what the current window still allows background work.
        case withinWindow
        /// About this many seconds, waiting for resets.
        case seconds(Double)
    }

    public static let assumedWindow: Double = 60

    public var estimate: Estimate
    /// Requests per window background work may take.
    public var perWindow: Int
    public var limit: Int
    /// Background requests the current window still allows (nil: a new window starts).
    public var allowedNow: Int?
    public var secondsUntilReset: Double
    public var windowSeconds: Double
    public var reserve: Double

    public init(requests: Int, quota: QuotaSnapshot?, reserve: Double, now: Date = Date(), observedWindow: Double? = nil) {
        self.reserve = reserve
        guard let quota, quota.limit > 0 else {
            (estimate, perWindow, limit, allowedNow, secondsUntilReset, windowSeconds) =
                (requests > 0 ? .unknown : .nothing, 0, 0, nil, 0, Self.assumedWindow)
            return
        }
        let kept = Int((Double(quota.limit) * reserve).rounded(.up))
        let perWindow = max(1, quota.limit - kept)
        let untilReset = quota.resetAt.map { max(0, $0.timeIntervalSince(now)) } ?? 0
        let windowOver = quota.resetAt.map { $0 <= now } ?? true
        let nowAllowed = windowOver ? perWindow : max(0, quota.remaining - kept)
        let window = max(observedWindow.flatMap { $0 > 0 ? $0 : nil } ?? Self.assumedWindow, untilReset)
        (self.perWindow, limit, allowedNow, secondsUntilReset, windowSeconds) =
            (perWindow, quota.limit, windowOver ? nil : nowAllowed, untilReset, window)
        if requests <= 0 {
            estimate = .nothing
        } else if requests <= nowAllowed {
            estimate = .withinWindow
        } else {
            let windows = Int((Double(requests - nowAllowed) / Double(perWindow)).rounded(.up))
            estimate = .seconds((windowOver ? 0 : untilReset) + Double(windows - (windowOver ? 1 : 0)) * window)
        }
    }

    /// "within the current window", "about 3 min 10 s", "unknown": a few words.
    public var short: String {
        switch estimate {
        case .nothing: "nothing to send"
        case .unknown: "unknown until the server answers"
        case .withinWindow: "within the current window"
        case .seconds(let seconds): "about " + Self.duration(seconds)
        }
    }

    /// The estimate with what it rests on, for a plan printed in full.
    public var explained: String {
        switch estimate {
        case .nothing: return short
        case .unknown:
            return "unknown until the server answers once (the quota is unknown: no minimo process on this key has had an answer)"
        case .withinWindow, .seconds:
            let now = allowedNow.map { "\($0) left now, reset in \(Int(secondsUntilReset.rounded(.up))) s" } ?? "a new window"
            let basis = "\(perWindow) of \(limit) requests per window go to background work (\(Int(reserve * 100))% kept for interactive use); \(now); a window taken to last \(Int(windowSeconds.rounded())) s"
            return "\(short) (\(basis))"
        }
    }

    /// "42 s", "3 min 10 s", "2 h 5 min".
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }
}
