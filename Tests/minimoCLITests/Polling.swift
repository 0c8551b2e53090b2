import Foundation
import Testing

/// The one way this target's tests wait: on a condition, polled, with a timeout. Never a fixed
/// sleep: a wait ends as soon as its condition holds.
enum Poll {
    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    /// Waits until `condition` holds; records a failure naming `description` (and `detail()`,
    /// what was seen last) after `timeout` seconds, and throws.
    static func until(
        _ description: String, timeout: Double, every interval: Double = 0.02, detail: () -> String = { "" },
        sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
    ) async throws {
        if try await holds(within: timeout, every: interval, condition) { return }
        let seen = detail()
        Issue.record("timed out waiting for \(description)\(seen.isEmpty ? "" : "; last seen:\n\(seen)")", sourceLocation: sourceLocation)
        throw Timeout(description: description)
    }

    /// Whether `condition` came to hold within `timeout` seconds (the caller decides what a
    /// timeout means: often an expectation that then fails with a better message).
    static func holds(within timeout: Double, every interval: Double = 0.02, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))  // ok: the polling interval of a condition wait
        }
        return try await condition()
    }
}
