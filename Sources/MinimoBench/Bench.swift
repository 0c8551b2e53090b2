import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

// minimo-bench: the timings DESIGN §9 sets bars for. Tests never assert timings (machines are
// shared and noisy); these run on a release build and print figures:
//   swift run -c release minimo-bench all          every figure below, in one run
//   swift run -c release minimo-bench search 100000 1000000
// `scripts/bench` runs this and the side-by-side comparison with curl and Python and the
// TUI measurements in a pseudo-terminal, and prints the README's Performance table.

@main
enum Entry {
    /// MINIMO_NIO_EXECUTOR=1 runs Swift concurrency on NIO's event loops (no thread hop between
    /// the task and the connection), for comparing the two set-ups.
    static func main() {
        if ProcessInfo.processInfo.environment["MINIMO_NIO_EXECUTOR"] == "1" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await Bench.main()
            exit(0)
        }
        dispatchMain()
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimo-bench",
        abstract: "Benchmarks of the client, the cache, the renderer and the API cost (run on a release build).",
        subcommands: [
            AllBench.self, LookupBench.self, CacheHitBench.self, SearchBench.self, SyncBench.self, RenderBench.self,
            APICostBench.self, GateBench.self,
        ])
}

struct AllBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Cache hit, search at 100k and 1M, sync, render and API cost, in one run.")
    @Option(help: "Contact counts for the search benchmark.") var searchCounts: [Int] = [100_000, 1_000_000]

    func run() async throws {
        try await CacheHitBench.measure(count: 100_000, lookups: 10_000)
        for count in searchCounts { try await SearchBench.measure(count: count) }
        try await SyncBench.measure(count: 10_000)
        RenderBench.measure(columns: 200, rows: 60, frames: 2_000)
        try await APICostBench.measure()
    }
}
