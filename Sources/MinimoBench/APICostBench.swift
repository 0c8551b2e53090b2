import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

/// What the API quota pays for, counted by the sandbox (`/__sandbox/stats`), not by the client.
struct APICostBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api-cost", abstract: "Requests spent by sync, lookups and load; interactive wait during a sync.")

    func run() async throws { try await Self.measure() }

    static func measure() async throws {
        print("API cost (counted by the sandbox)")
        try await syncAndSession()
        try await loadWithGate()
        try await interactiveDuringSync()
    }

    /// A sync of 2,500 contacts at the default 100/60s, then a session of 100 lookups cycling
    /// over 20 distinct emails within the TTL, on an empty cache.
    static func syncAndSession() async throws {
        let (server, url) = try await startSandbox(contacts: 2_500, rateLimit: "100/60s")
        defer { Task { await server.stop() } }
        let first = try TemporaryDirectory()
        let syncing = try ContactStore(client: try client(url), location: CacheLocation(directory: first.url), profile: "bench")
        let report = try await syncing.sync()
        let afterSync = try await sandboxStats(url)
        print("  sync of \(report.stored) contacts: \(routeCount(afterSync, listRoute)) list requests (bar ⌈N/100⌉ = 25), "
            + "\(statusCount(afterSync, "429")) × 429")

        let emails = try await syncing.search("", limit: 20).compactMap(\.email)
        let second = try TemporaryDirectory()
        let session = try ContactStore(client: try client(url), location: CacheLocation(directory: second.url), profile: "bench")
        for index in 0..<100 { _ = try await session.contact(email: emails[index % emails.count]) }
        let afterSession = try await sandboxStats(url)
        print("  session of 100 lookups of \(emails.count) distinct emails within the TTL: "
            + "\(routeCount(afterSession, byEmailRoute)) requests (bar = 20)")
        await server.stop()
    }

    /// 60 concurrent interactive lookups and a sync against 10 requests per 2 s.
    static func loadWithGate() async throws {
        let (server, url) = try await startSandbox(contacts: 500, rateLimit: "10/2s")
        let directory = try TemporaryDirectory()
        let store = try ContactStore(client: try client(url), location: CacheLocation(directory: directory.url), profile: "bench")
        let start = monotonicNanoseconds()
        async let synced = store.sync()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<60 {
                group.addTask { _ = try await store.contact(email: "customer@example.com", refresh: true) }
            }
            try await group.waitForAll()
        }
        let report = try await synced
        let seconds = milliseconds(since: start) / 1000
        let stats = try await sandboxStats(url)
        await server.stop()
        print(String(
            format: "  load, gate on, 10/2s: 60 concurrent lookups + sync of %d: %lld requests in %.1f s, %lld × 429 (bar 0), "
                + "%lld received while exhausted", report.stored, stats["requests"]?["total"]?.intValue ?? 0, seconds,
            statusCount(stats, "429"), stats["receivedWhileExhausted"]?.intValue ?? 0))
    }

    /// A sync of 20,000 contacts at 100/60s pages at background priority until only the 20%
    /// reserve is left (80 requests), then waits for the window to reset. Interactive lookups
    /// are timed while it pages and while it waits: the reserve is theirs.
    static func interactiveDuringSync() async throws {
        let (server, url) = try await startSandbox(contacts: 20_000, rateLimit: "100/60s")
        let directory = try TemporaryDirectory()
        let store = try ContactStore(client: try client(url), location: CacheLocation(directory: directory.url), profile: "bench")
        let sync = Task { try await store.sync() }
        func lookups(_ count: Int) async throws -> [Double] {
            var waits: [Double] = []
            for _ in 0..<count {
                let start = monotonicNanoseconds()
                _ = try await store.contact(email: "customer@example.com", refresh: true)
                waits.append(milliseconds(since: start))
                try await Task.sleep(nanoseconds: 100_000_000)  // ok: spacing the lookups over the sync
            }
            return waits
        }
        let whilePaging = try await lookups(5)
        // Wait until the sync has spent the background share and is held by the gate.
        var listed: Int64 = 0
        for _ in 0..<600 {
            listed = routeCount(try await sandboxStats(url), listRoute)
            if listed >= 80 { break }
            try await Task.sleep(nanoseconds: 100_000_000)  // ok: polling the sandbox's count
        }
        let whileHeld = try await lookups(10)
        let stats = try await sandboxStats(url)
        sync.cancel()
        _ = try? await sync.value
        await server.stop()
        print("  interactive lookups during a sync of 20,000 at 100/60s (by the end the sync had made "
            + "\(routeCount(stats, listRoute)) list requests, across windows when a reset fell inside the run; "
            + "\(statusCount(stats, "429")) × 429; bar: under 1 s while quota remains):")
        print(distribution("while the sync pages        ", whilePaging))
        print(distribution("while the sync waits (reserve)", whileHeld))
    }
}
