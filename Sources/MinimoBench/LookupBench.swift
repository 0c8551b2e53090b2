import ArgumentParser
import Foundation
import MinimoKit

/// Sequential lookups by email with the real client over one keep-alive connection: the
/// figure `scripts/bench-compare` sets beside curl and Python `requests`. Each timing covers
/// the whole call: quota gate, request, response, decoding into `Contact`, and the masked
/// record of the exchange.
struct LookupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lookup", abstract: "Sequential client lookups by email against a running API.")
    @Option(help: "API base URL (a sandbox: http://127.0.0.1:PORT).") var baseURL: String
    @Option(help: "API key.") var apiKey = "mn-demo-sandboxkey"
    @Option(help: "Email to look up.") var email = "customer@example.com"
    @Option(help: "Timed lookups.") var count = 1000
    @Option(help: "Untimed lookups first (connection set up, caches warm).") var warmup = 100
    @Option(help: "Write each timing in seconds, one per line, to this file.") var out: String?

    func run() async throws {
        guard let url = URL(string: baseURL) else { throw ValidationError("--base-url: not a URL") }
        let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: apiKey))
        for _ in 0..<warmup { _ = try await client.contact(email: email) }
        var timings: [Double] = []
        timings.reserveCapacity(count)
        for _ in 0..<count {
            let start = monotonicNanoseconds()
            let response = try await client.contact(email: email)
            timings.append(milliseconds(since: start))
            precondition(response.value.email != nil)
        }
        if let out {
            try timings.map { String(format: "%.9f", $0 / 1000) }.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
        print("minimo client, \(count) sequential lookups by email (keep-alive)")
        print(distribution("lookup", timings, microseconds: true))
    }
}
