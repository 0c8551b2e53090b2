import Foundation
import Testing

/// The one way this target's tests wait: on a condition, polled, with a generous timeout. Never
/// a fixed sleep. Generous because the whole suite runs in one process on a shared machine. (The
/// 40 s stall at the suite's start that this once absorbed was blocking waits parked on the
/// concurrency pool's own threads; they now run on threads of their own, see `OffPool`.) A wait
/// ends as soon as its condition holds, so the patience costs nothing when things are well.
enum Poll {
    static let patience: Double = 120

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
