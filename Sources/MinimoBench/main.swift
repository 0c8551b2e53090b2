import Foundation
import MinimoCache
import MinimoKit

// minimo-bench: timings that tests must not assert (DESIGN §9). Run on a release build:
//   swift run -c release minimo-bench search [COUNT...]
// Prints p50/p95/p99 of substring searches over COUNT cached contacts (default 100000 1000000).

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// Deterministic pseudo-random numbers (SplitMix64), so every run searches the same data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func email(_ index: Int, _ random: inout SplitMix) -> String {
    let first = ["giulia", "marco", "anna", "luca", "sofia", "matteo", "chiara", "paolo", "elena", "davide", "yuki", "josé"]
    let last = ["rossi", "bianchi", "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti", "tanaka", "müller"]
    let domains = ["example.com", "example.it", "azienda.it", "mail.example.org", "studio-legale.it", "shop.example.net"]
    return "\(first.randomElement(using: &random)!).\(last.randomElement(using: &random)!)\(index)@\(domains.randomElement(using: &random)!)"
}

func benchSearch(count: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bench-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: "mn-bench-none"))
    let store = try ContactStore(client: client, location: CacheLocation(directory: directory), profile: "bench")
    var random = SplitMix(state: 42)
    var emails: [String] = []
    emails.reserveCapacity(count)
    let insertStart = Date()
    var batch: [Contact] = []
    for index in 0..<count {
        let address = email(index, &random)
        emails.append(address)
        batch.append(Contact(id: ContactID(Int64(index + 1)), email: address, fields: ["id": .int(Int64(index + 1)), "email": .string(address)]))
        if batch.count == 10_000 {
            try await store.cacheContacts(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    try await store.cacheContacts(batch)
    let insertSeconds = Date().timeIntervalSince(insertStart)

    // Queries a person would type: 1 to 12 characters from a real address, plus misses.
    var queries: [String] = []
    for _ in 0..<1000 {
        let address = Array(emails.randomElement(using: &random)!)
        let length = Int.random(in: 1...12, using: &random)
        let start = Int.random(in: 0..<max(1, address.count - length), using: &random)
        queries.append(String(address[start..<min(address.count, start + length)]))
    }
    queries += (0..<100).map { "zz\($0)qq" }
    var timings: [Double] = []
    var shortTimings: [Double] = []
    for query in queries {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try await store.search(query, limit: 50)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if query.count < 3 { shortTimings.append(ms) } else { timings.append(ms) }
    }
    timings.sort()
    shortTimings.sort()
    func line(_ name: String, _ values: [Double]) -> String {
        String(format: "  %@ n=%d  p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms", name, values.count,
               percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99), values.last ?? 0)
    }
    print("search over \(count) cached contacts (insert \(String(format: "%.1f", insertSeconds)) s, limit 50 per query)")
    print(line("3+ chars (FTS5 trigram)", timings))
    print(line("1-2 chars (LIKE scan)  ", shortTimings))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.first == "search" else {
    print("usage: minimo-bench search [COUNT...]")
    exit(2)
}
let counts = arguments.dropFirst().compactMap { Int($0) }
for count in counts.isEmpty ? [100_000, 1_000_000] : counts {
    try await benchSearch(count: count)
}
