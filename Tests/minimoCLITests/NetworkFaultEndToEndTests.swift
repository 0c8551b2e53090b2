import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The network fails under the real TUI (tmux, real binary, real sandbox over HTTP): the server
/// is down when it starts, or goes away in the middle of an edit and comes back.
@Suite(.serialized) struct NetworkFaultEndToEndTests {
    static let key = "mn-test-e2e-0123456789abcdef"

    func environment(url: URL, cache: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("minimo-e2e-net-\(UUID())")
    }

    @Test func serverDownAtStartOpensOfflineOnCachedData() async throws {
        let cache = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        // A sync fills the cache; then the sandbox goes and its port refuses connections.
        let environment = try await withSandbox({ $0.contactCount = 50 }) { url in
            let warm = self.environment(url: url, cache: cache)
            let sync = try await CLI.run(["sync"], environment: warm)
            #expect(sync.status == 0, "sync failed: \(sync.stderr)")
            return warm
        }

        let tmux = try TmuxSession(arguments: [], environment: environment)
        defer { tmux.close() }
        let opened = try await tmux.waitUntil("the cached list and the offline status") {
            $0.contains("offline") && $0.contains("@")
        }
        #expect(opened.contains("Contacts"))
        #expect(!opened.contains("No contacts"))

        // A contact in the cache opens from it, and says so.
        try tmux.type("customer@example.com")
        try tmux.press("Enter")
        let detail = try await tmux.waitFor("Acme Corp")
        #expect(detail.contains("cached ·"))
        #expect(detail.contains("offline"))

        // One that is not cached gets a clear message, not a hang or a crash.
        try tmux.press("/", "C-u")
        try tmux.type("nobody-cached@example.org")
        try tmux.press("Enter")
        // The contact list, under the search box, gives the whole reason; the status bar a part.
        let refused = try await tmux.waitUntil("the failure under the search box and in the status bar") {
            $0.contains("Lookup failed") && $0.contains("error: nobody-cached@")
        }
        #expect(refused.contains("offline"))
        let reason = refused.lowercased()
        #expect(reason.contains("connect") || reason.contains("refused") || reason.contains("no answer"), "screen:\n\(refused)")
    }

    @Test func serverGoneMidEditQueuesTheEditAndSendsItWhenBack() async throws {
        let cache = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        var configuration = SandboxConfiguration()
        configuration.contactCount = 50
        let first = SandboxServer(configuration: configuration)
        let url = try await first.start()
        let environment = environment(url: url, cache: cache)
        let tmux = try TmuxSession(arguments: [], environment: environment)
        defer { tmux.close() }
        var second: SandboxServer?
        do {
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"enterprise\"")

            // The server goes away; the edit is made and saved all the same.
            await first.stop()
            try tmux.press("j", "e", "C-u")
            try tmux.type("pro")
            try tmux.press("Enter")
            try await tmux.waitFor("1 unsaved")
            try tmux.press("s")
            try await tmux.waitFor("This exact JSON will be sent")
            try tmux.press("y")
            let queued = try await tmux.waitFor("queued, not sent yet")
            #expect(queued.contains("offline"))

            // It is in the outbox, on disk, for any process to see.
            let outbox = try await CLI.run(["outbox", "list"], environment: environment)
            // "sending" when the TUI's retry happens to be trying it at that moment.
            #expect(outbox.stdout.contains("\tpending\t") || outbox.stdout.contains("\tsending\t"), "outbox list said: \(outbox.stdout) \(outbox.stderr)")

            // The server comes back on the same address: the TUI sends the edit by itself.
            configuration.port = url.port ?? 0
            let back = SandboxServer(configuration: configuration)
            second = back
            _ = try await back.start()
            let sent = try await tmux.waitFor("sent 1 queued edit(s)", timeout: 40)
            #expect(sent.contains("online"))
            let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            #expect(try await client.contact(email: "customer@example.com").value.customFields["plan"] == "pro")
            let after = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(!after.stdout.contains("\tpending\t") && !after.stdout.contains("\tsending\t"), "outbox list said: \(after.stdout)")
            await back.stop()
        } catch {
            await first.stop()
            await second?.stop()
            throw error
        }
    }
}
