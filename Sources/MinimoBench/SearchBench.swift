import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

/// Substring search over a cache of COUNT contacts: queries a person would type (1 to 12
/// characters taken from a real address) plus misses. Bars: p99 ≤ 8 ms at 100k, < 50 ms at 1M.
struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Substring search over N cached contacts.")
    @Argument(help: "Contact counts.") var counts: [Int] = [100_000, 1_000_000]
    @Option(help: "Results per query (the TUI asks for a screenful, then more as the list scrolls).") var limit = 50

    func run() async throws {
        for count in counts { try await Self.measure(count: count, limit: limit) }
    }

    static func measure(count: Int, limit: Int = 50) async throws {
        let directory = try TemporaryDirectory()
        let store = try await filledStore(count: count, in: directory)
        var random = SplitMix(state: 7)
        var queries: [String] = []
        for _ in 0..<1000 {
            let address = Array(store.emails.randomElement(using: &random)!)
            let length = Int.random(in: 1...12, using: &random)
            let start = Int.random(in: 0..<max(1, address.count - length), using: &random)
            queries.append(String(address[start..<min(address.count, start + length)]))
        }
        queries += (0..<100).map { "zz\($0)qq" }
        var long: [Double] = []
        var short: [Double] = []
        for query in queries {
            let start = monotonicNanoseconds()
            _ = try await store.store.search(query, limit: limit)
            let ms = milliseconds(since: start)
            if query.count < 3 { short.append(ms) } else { long.append(ms) }
        }
        let all = long + short
        print("search over \(count) cached contacts (filled in \(String(format: "%.1f", store.fillSeconds)) s, \(limit) results per query)")
        print(distribution("all queries            ", all))
        print(distribution("3+ chars (FTS5 trigram)", long))
        print(distribution("1-2 chars              ", short))
    }
}

/// A store holding COUNT synthetic contacts, written in batches as a sync would.
func filledStore(count: Int, in directory: TemporaryDirectory) async throws -> (store: ContactStore, emails: [String], fillSeconds: Double) {
    let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: "mn-bench-none"))
    let store = try ContactStore(client: client, location: CacheLocation(directory: directory.url), profile: "bench")
    var random = SplitMix(state: 42)
    var emails: [String] = []
    emails.reserveCapacity(count)
    let start = monotonicNanoseconds()
    var batch: [Contact] = []
    for index in 0..<count {
        let contact = syntheticContact(index, &random)
        emails.append(contact.email ?? "")
        batch.append(contact)
        if batch.count == 10_000 {
            try await store.cacheContacts(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    try await store.cacheContacts(batch)
    return (store, emails, milliseconds(since: start) / 1000)
}
