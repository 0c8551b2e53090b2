import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The TUI beside other minimo processes on the same cache: the real binary in tmux, and
/// separately spawned `minimo contacts update` processes on the same sandbox and cache directory
/// (same base URL, no profile: the same cache file). Everything waits on the screen.
@Suite(.serialized) struct TUIOtherProcessEndToEndTests {
    static let key = "mn-test-e2e-0123456789abcdef"

    /// Scripts the sandbox's next answers (`POST /__sandbox/faults`).
    func scriptFaults(_ url: URL, _ next: JSONValue) async throws {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: "POST", url: url.absoluteString + "/__sandbox/faults", headers: [HTTPHeader("Content-Type", "application/json")],
                body: JSONValue.object(["next": next]).serialized()),
            timeout: 10)
        #expect(response.status < 300)
    }

    @Test func aContactChangedByAnotherProcessIsReloadedAndItsUnsentEditCounted() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-e2e-other-\(UUID())")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path,
                "HOME": cache.path,
            ]
            let reader = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            let id = try await reader.contact(email: "customer@example.com").value.id.rawValue
            // Wide enough for the status bar to hold the whole notice beside the quota and hints.
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 160, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitUntil("the contact open") { $0.contains("Contact #\(id)") && $0.contains("\"enterprise\"") }

            // Another process changes the open contact: it queues the edit in the shared cache
            // and sends it. The TUI reloads the contact by itself (no key pressed) and says why.
            let update = try await CLI.run(["contacts", "update", id, "--field", "plan=pro"], environment: environment)
            #expect(update.status == 0, "contacts update failed: \(update.stderr)")
            // The unsent count follows the other process's outbox within a look (once a second):
            // waited for with the rest, since a loaded machine can show the sent edit's count
            // for one more look.
            let reloaded = try await tmux.waitUntil("the new value and the notice, nothing unsent") {
                $0.contains("\"pro\"") && $0.contains("updated by another minimo process") && !$0.contains("unsent")
            }
            #expect(!reloaded.contains("\"enterprise\""))
            #expect(reloaded.contains("updated by another process · cached"), "the detail pane says so too:\n\(reloaded)")

            // Another process's edit that the server refuses stays in the shared outbox, unsent:
            // the TUI counts it, and says what became of it.
            try await scriptFaults(url, [422])
            // --raw: the scripted 422 must meet the write, not a request for the field definitions.
            let refused = try await CLI.run(["contacts", "update", id, "--field", "seats=5", "--raw"], environment: environment)
            #expect(refused.status != 0, "the scripted 422 was not met: \(refused.stdout) \(refused.stderr)")
            try await tmux.waitUntil("the other process's unsent edit counted") {
                $0.contains("1 unsent") && $0.contains("another process's edit refused")
            }

            // That process's entry dropped from yet another process: the count follows it down.
            let list = try await CLI.run(["outbox", "list"], environment: environment)
            let line = try #require(list.stdout.split(separator: "\n").first { $0.contains("\tfailed\t") }, "outbox list: \(list.stdout)")
            let seq = String(line.prefix { $0 != "\t" })
            let drop = try await CLI.run(["outbox", "drop", seq], environment: environment)
            #expect(drop.status == 0, "outbox drop failed: \(drop.stderr)")
            try await tmux.waitUntil("the unsent count gone") { !$0.contains("unsent") && $0.contains("quota") }
            #expect(try await reader.contact(email: "customer@example.com").value.customFields["plan"] == "pro")
        }
    }

    @Test func unsavedEditsInTheTUIAreKeptWhenAnotherProcessChangesTheContact() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-e2e-other-\(UUID())")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path,
                "HOME": cache.path,
            ]
            let reader = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            let id = try await reader.contact(email: "customer@example.com").value.id.rawValue
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 160, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"enterprise\"")
            // An unsaved change of the company (first row) in the TUI.
            try tmux.press("e", "C-u")
            try tmux.type("Globex")
            try tmux.press("Enter")
            try await tmux.waitFor("1 unsaved")

            // Another process changes the plan: the TUI only says so, and keeps the user's edit.
            let update = try await CLI.run(["contacts", "update", id, "--field", "plan=pro"], environment: environment)
            #expect(update.status == 0, "contacts update failed: \(update.stderr)")
            let told = try await tmux.waitUntil("the notice, with the edit kept") {
                $0.contains("changed by another process") && $0.contains("changed elsewhere · your edits kept")
            }
            #expect(told.contains("\"Globex\""))
            #expect(told.contains("1 unsaved"))
            #expect(told.contains("\"enterprise\""), "the shown copy stays until the edit is done:\n\(told)")

            // Undone: nothing left to protect, the other process's value shows.
            try tmux.press("u")
            // Wait for the whole of what is checked: a frame reaches the terminal in several
            // writes, and CI once captured the pane before the status bar's line.
            let shown = try await tmux.waitUntil("the other process's value and the notice") {
                $0.contains("\"pro\"") && !$0.contains("1 unsaved") && $0.contains("showing another minimo process's change")
            }
            #expect(shown.contains("showing another minimo process's change"))
            #expect(shown.contains("\"Acme Corp\""))
        }
    }
}
