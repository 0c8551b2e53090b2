import Foundation
import Testing

/// The one way this target's tests wait: on a condition, polled, with a generous timeout (a
/// loaded 2-core machine running the whole suite is slow; a wait ends as soon as the condition
/// holds, so the patience costs nothing when things are well). Never a fixed sleep.
enum Poll {
    static let patience: Double = 60

    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    /// Waits until `condition` holds; records a failure naming `description` (and `detail()`,
    /// what was seen last) after `timeout` seconds, and throws.
    static func until(
        _ description: String, timeout: Double = patience, every interval: Double = 0.01, detail: () -> String = { "" },
        sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))  // ok: the polling interval of a condition wait
        }
        if try await condition() { return }
        let seen = detail()
        Issue.record("timed out after \(Int(timeout)) s waiting for \(description)\(seen.isEmpty ? "" : "; last seen:\n\(seen)")", sourceLocation: sourceLocation)
        throw Timeout(description: description)
    }
}
