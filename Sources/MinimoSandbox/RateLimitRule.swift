/// How many requests one API key may make per fixed window, like the real API's
/// "100 requests per minute" (Standard plan).
///
/// Written as text `LIMIT/WINDOW`, so a command line can take it: `100/60s`, `10/2s`, `500/1m`,
/// `5/500ms`, `1000/1h`. A window without unit is read as seconds (`100/60`).
public struct RateLimitRule: Sendable, Equatable, CustomStringConvertible {
    /// Requests allowed per window; at least 1.
    public var limit: Int
    /// Length of the fixed window, which starts at the first request after the previous one ended.
    public var window: Duration

    public init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// Parses `LIMIT/WINDOW` text such as `100/60s`, `500/1m` or `5/500ms`.
    /// - Throws: `SandboxConfigurationError` saying which part is wrong.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let expected = "expected LIMIT/WINDOW such as 100/60s, 10/2s, 500/1m or 5/500ms"
        guard parts.count == 2 else {
            throw SandboxConfigurationError(message: "Invalid rate limit \"\(text)\": \(expected)")
        }
        guard let limit = Int(parts[0].trimmingWhitespace()), limit >= 1 else {
            throw SandboxConfigurationError(
                message: "Invalid rate limit \"\(text)\": the limit \"\(parts[0])\" must be a whole number of at least 1; \(expected)")
        }
        let windowText = parts[1].trimmingWhitespace().lowercased()
        let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var amountText = windowText
        var unitMilliseconds: Int64 = 1000
        for unit in units where windowText.hasSuffix(unit.suffix) {
            amountText = String(windowText.dropLast(unit.suffix.count))
            unitMilliseconds = unit.milliseconds
            break
        }
        guard let amount = Int64(amountText), amount >= 1, amount <= Int64.max / unitMilliseconds else {
            throw SandboxConfigurationError(
                message: "Invalid rate limit \"\(text)\": the window \"\(parts[1])\" must be a positive whole number with unit ms, s, m or h; \(expected)")
        }
        self.init(limit: limit, window: .milliseconds(amount * unitMilliseconds))
    }

    /// The window in (possibly fractional) seconds.
    var windowSeconds: Double {
        let components = window.components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The rule as `LIMIT/WINDOW` text that `init(parsing:)` reads back.
    public var description: String {
        let milliseconds = Int64((windowSeconds * 1000).rounded())
        if milliseconds % 60_000 == 0 { return "\(limit)/\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(limit)/\(milliseconds / 1000)s" }
        return "\(limit)/\(milliseconds)ms"
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (no Foundation needed).
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
