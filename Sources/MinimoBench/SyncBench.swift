import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

/// A full sync of N contacts from an in-process sandbox into an empty cache: requests spent
/// (bar: ⌈N/100⌉) and the time it takes when the quota does not hold it back.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Full sync of N contacts into an empty cache.")
    @Option(help: "Contacts on the server.") var count = 10_000

    func run() async throws { try await Self.measure(count: count) }

    static func measure(count: Int) async throws {
        let (server, url) = try await startSandbox(contacts: count, rateLimit: "1000000/1s")
        let directory = try TemporaryDirectory()
        let store = try ContactStore(client: try client(url), location: CacheLocation(directory: directory.url), profile: "bench")
        let start = monotonicNanoseconds()
        let report = try await store.sync()
        let seconds = milliseconds(since: start) / 1000
        let stats = try await sandboxStats(url)
        await server.stop()
        let expected = (count + 99) / 100
        print("sync of \(count) contacts into an empty cache (rate limit out of the way)")
        print(String(
            format: "  %d contacts in %.2f s (%.0f contacts/s), %lld list requests (bar ⌈N/100⌉ = %d)",
            report.stored, seconds, Double(report.stored) / seconds, routeCount(stats, listRoute), expected))
    }
}
