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
    @Flag(help: "Time the HTTP transport alone (no gate, decoding or record), to see where the time goes.")
    var transportOnly = false
    @Flag(help: "Share the quota through a ledger file (in a temporary directory), as the minimo command does.")
    var sharedQuota = false

    func run() async throws {
        guard let url = URL(string: baseURL) else { throw ValidationError("--base-url: not a URL") }
        var configuration = MinimoConfiguration(baseURL: url, apiKey: apiKey)
        if sharedQuota {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bench-ledger-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            configuration.gate.ledgerPath = directory.appendingPathComponent(QuotaLedgerFile.fileName(baseURL: url, apiKey: apiKey)).path
        }
        let client = try MinimoClient(configuration: configuration)
        let transport = AsyncHTTPClientTransport()
        let request = TransportRequest(
            method: "GET", url: try client.configuration.resolvedAPIBase() + "/contacts/by-email/" + (email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? email),
            headers: [HTTPHeader("Authorization", "Bearer \(apiKey)"), HTTPHeader("Accept", "application/json")], body: nil)
        func once() async throws {
            if transportOnly {
                let status = try await transport.execute(request, timeout: 15).status
                precondition(status == 200)
            } else {
                let contact = try await client.contact(email: email).value
                precondition(contact.email != nil)
            }
        }
        for _ in 0..<warmup { try await once() }
        var timings: [Double] = []
        timings.reserveCapacity(count)
        let cpuBefore = processCPUMicroseconds()
        for _ in 0..<count {
            let start = monotonicNanoseconds()
            try await once()
            timings.append(milliseconds(since: start))
        }
        let cpu = (processCPUMicroseconds() - cpuBefore) / Double(count)
        if let out {
            try timings.map { String(format: "%.9f", $0 / 1000) }.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
        print("minimo client, \(count) sequential lookups by email (keep-alive)\(sharedQuota ? ", quota shared through a ledger file" : "")")
        print(distribution("lookup", timings, microseconds: true))
        print(String(format: "  cpu per lookup (user + sys, every thread of the process): %.0f µs", cpu))
    }
}

/// User + system CPU time of the whole process so far, in µs.
func processCPUMicroseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func µs(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
    return µs(usage.ru_utime) + µs(usage.ru_stime)
}
