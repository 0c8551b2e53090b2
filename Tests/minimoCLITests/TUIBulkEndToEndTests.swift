import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// Bulk edits in the TUI, end to end: the real binary in tmux against the sandbox over HTTP,
/// the list filled by a real `minimo sync`, what was applied read from `/__sandbox/applied`.
/// Everything waits on the screen or on the sandbox, never for a fixed time.
@Suite(.serialized) struct TUIBulkEndToEndTests {
    static let key = "mn-test-e2e-0123456789abcdef"

    func environment(_ url: URL, cache: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
    }

    /// The sandbox's applied writes of this test's bulk edits (PUTs under a `minimo-bulk-` key).
    static func bulkWrites(_ url: URL) async throws -> [(path: String, key: String, body: JSONValue)] {
        let writes = try await MultiProcessTests.call("GET", url, "/__sandbox/applied")["writes"]?.arrayValue ?? []
        return writes.compactMap { write in
            guard write["method"]?.stringValue == "PUT", let key = write["idempotencyKey"]?.stringValue, key.hasPrefix("minimo-bulk-"),
                let path = write["path"]?.stringValue
            else { return nil }
            let body = write["body"]?.stringValue.flatMap { try? JSONValue.parse(Data($0.utf8)) } ?? .null
            return (path, key, body)
        }
    }

    @Test func quittingHalfwayThroughABulkEditAndStartingAgainSendsTheRestAndNothingTwice() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("tui-bulk-resume")
        defer { try? FileManager.default.removeItem(at: cache) }
        // 10 requests per 8 s window, 2 of them kept for interactive use: 20 updates need
        // three windows, so the TUI is quit while the rest wait for a reset.
        try await withSandbox({
            $0.contactCount = 40
            $0.rateLimit = RateLimitRule(limit: 10, window: .seconds(8))
        }) { url in
            let environment = environment(url, cache: cache)
            let sync = try await CLI.run(["sync"], environment: environment)
            #expect(sync.status == 0, "sync failed: \(sync.stderr)")
            var tmux = try TmuxSession(arguments: [], environment: environment, columns: 200, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("customer@example.com")
            try tmux.press("Escape")
            for _ in 0..<20 { try tmux.press("m") }
            try await tmux.waitFor("20 marked")
            try tmux.press("b", "x")
            try await tmux.waitFor("field to unset:")
            try tmux.type("city")
            try tmux.press("Enter")
            let review = try await tmux.waitFor("request(s)")
            let requests = try #require(
                review.firstMatch(of: /20 contact\(s\) · (\d+) request\(s\)/).flatMap { Int($0.1) }, "the review's count:\n\(review)")
            #expect(requests > 8, "enough contacts hold a city to need more than one window: \(requests)")
            try tmux.press("y")
            try await MultiProcessTests.waitFor("the first writes", timeout: 30) { try await !Self.bulkWrites(url).isEmpty }
            // Quitting says what becomes of the rest before it goes.
            try tmux.press("q")
            try await tmux.waitFor("stay queued, and go out the next time")
            try tmux.press("y")
            try await tmux.waitFor("MINIMO-EXITED")
            let halfway = try await Self.bulkWrites(url).count
            #expect(halfway < requests, "quit before the end: \(halfway) of \(requests)")
            tmux.close()

            // Started again: the rest goes out, under the same keys, each contact once.
            tmux = try TmuxSession(arguments: [], environment: environment, columns: 200, rows: 40)
            try await tmux.waitFor("resuming an earlier bulk edit", timeout: 30)
            try await MultiProcessTests.waitFor("every write applied", timeout: 90) { try await Self.bulkWrites(url).count >= requests }
            try await tmux.waitFor("bulk edit done", timeout: 30)
            let writes = try await Self.bulkWrites(url)
            #expect(writes.count == requests)
            #expect(Set(writes.map(\.path)).count == requests, "each contact once")
            #expect(Set(writes.map(\.key)).count == requests)
            #expect(writes.allSatisfy { $0.body["customFields"]?["city"] == .null && $0.body.jsonText.contains("\"city\":null") })
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            print("bulk resume: \(halfway) of \(requests) sent before quitting, the rest after the restart; \(writes.count) writes applied")
        }
    }

    @Test func aLookupInTheTUIIsAnsweredFromTheReserveWhileAnImportInAnotherProcessWaitsForTheQuota() async throws {
        let directory = try MultiProcessTests.temporaryDirectory("tui-beside-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 20, window: .seconds(30)) }) { url in
            let environment = environment(url, cache: directory.appendingPathComponent("cache"))
            let lines = ["email,plan"] + (0..<60).map { "beside\($0)@import.example,pro" }
            let file = directory.appendingPathComponent("beside.csv")
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
            let importer = try SpawnedMinimo(["import", file.path], environment: environment)
            defer { if importer.process.isRunning { kill(importer.pid, SIGKILL) } }
            // Background work leaves 4 of 20 to interactive use: the import sends 16 (the
            // definitions and 15 rows), then waits 30 s for the reset with its other rows queued.
            try await MultiProcessTests.waitFor("the import to spend its share") {
                try await MultiProcessTests.stats(url)["requests"]?["total"]?.intValue ?? 0 >= 16
            }
            let writesBefore = try await MultiProcessTests.stats(url)["writesApplied"]?.intValue ?? 0

            // The TUI, on the same key and cache: its lookup goes out at once, from the reserve.
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 200, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            let started = Date()
            try tmux.press("Enter")
            let shown = try await tmux.waitUntil("the contact, from the API") { $0.contains("from API") && $0.contains("\"enterprise\"") }
            let seconds = Date().timeIntervalSince(started)
            #expect(shown.contains("Contact #"))
            #expect(importer.process.isRunning, "the import still waits for the reset: \(importer.stderr)")
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["writesApplied"]?.intValue == writesBefore, "the TUI sent none of the import's rows")
            #expect(MultiProcessTests.count429(stats) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            print(String(format: "TUI beside an import: the lookup was on screen %.2f s after Enter while the import waited for the quota", seconds))
        }
    }
}
