import ArgumentParser
import Foundation
import MinimoCache

/// A lookup the cache answers (fresh copy, 0 requests): the path `minimo contacts get` and the
/// TUI take for a contact seen within the TTL.
struct CacheHitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache-hit", abstract: "Fresh cache hits by email.")
    @Option(help: "Contacts in the cache.") var count = 100_000
    @Option(help: "Lookups to time.") var lookups = 10_000

    func run() async throws { try await Self.measure(count: count, lookups: lookups) }

    static func measure(count: Int, lookups: Int) async throws {
        let directory = try TemporaryDirectory()
        let filled = try await filledStore(count: count, in: directory)
        var random = SplitMix(state: 11)
        var timings: [Double] = []
        timings.reserveCapacity(lookups)
        for _ in 0..<lookups {
            let email = filled.emails.randomElement(using: &random)!
            let start = monotonicNanoseconds()
            let result = try await filled.store.contact(email: email)
            timings.append(milliseconds(since: start))
            guard result.source == .freshCache else { throw ValidationError("expected a fresh cache hit, got \(result.source)") }
        }
        print("cache hit by email over \(count) cached contacts (0 requests each)")
        print(distribution("fresh hit", timings, microseconds: true))
    }
}
