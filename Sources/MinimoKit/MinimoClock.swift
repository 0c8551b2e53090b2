import Foundation

/// The time source of the client core. Backoff, the quota gate's waits and the reset countdown
/// all go through it, so tests can run them without sleeping for real.
public protocol MinimoClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemClock: MinimoClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        // UInt64(seconds * 1e9) traps past about 584 years; no wait here is meant to be longer
        // than a day.
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }
}

/// A source of uniform random numbers in [0, 1), injected for the backoff's jitter.
public protocol RandomSource: Sendable {
    func nextUnit() -> Double
}

public struct SystemRandomSource: RandomSource {
    public init() {}
    public func nextUnit() -> Double { Double.random(in: 0..<1) }
}
