import ArgumentParser
import Foundation
import MinimoKit

/// What one permit of the quota gate costs, with the quota in memory (one process) and shared
/// through a ledger file (every process on the key): acquire then release, one at a time, no
/// network. The difference is what the shared ledger adds to each request.
struct GateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gate", abstract: "Cost of one quota permit, in memory and through the shared ledger.")
    @Option(help: "Permits to time in each mode.") var count = 20_000

    func run() async throws { try await Self.measure(count: count) }

    static func measure(count: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bench-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        print("quota gate, \(count) permits one at a time (acquire + release with the answer's figures)")
        for shared in [false, true] {
            let ledger = shared ? try QuotaLedgerFile(path: directory.appendingPathComponent("bench.ledger").path) : nil
            let gate = QuotaGate(ledger: ledger)
            var timings: [Double] = []
            timings.reserveCapacity(count)
            for index in 0..<(count + 1000) {
                let now = Date()
                // A huge window, so the quota never runs out during the run.
                let observed = QuotaSnapshot(
                    limit: 1_000_000_000, remaining: 1_000_000_000 - index - 1, resetAt: now.addingTimeInterval(3600), observedAt: now)
                let start = monotonicNanoseconds()
                try await gate.acquire(.interactive)
                await gate.release(observed: observed)
                if index >= 1000 { timings.append(milliseconds(since: start)) }
            }
            print(distribution(shared ? "shared ledger" : "in memory   ", timings, microseconds: true))
        }
    }
}
