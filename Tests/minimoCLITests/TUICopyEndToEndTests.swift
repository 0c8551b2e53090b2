import Foundation
import MinimoKit
import Testing
import MinimoTestSupport

/// `C` copies a request as curl: in tmux with `set-clipboard on`, the OSC 52 the TUI writes
/// lands in tmux's buffer, which is what a user would paste. Run, it gets the same answer.
@Suite(.serialized) struct TUICopyEndToEndTests {
    static let key = "mn-test-copy-0123456789abcdef"

    @Test func theRawViewsRequestCopiedAsCurlGetsTheSameAnswer() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("tui-copy")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox { url in
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 140, rows: 40)
            defer { tmux.close() }
            try tmux.tmux(["set-option", "-g", "set-clipboard", "on"])
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"Acme Corp\"")
            try tmux.press("r")
            try await tmux.waitFor("Response body")
            try tmux.press("C")
            try await tmux.waitFor("copied the request as curl")
            // tmux's paste buffer, saved to a file (what a user's paste would insert).
            let saved = cache.appendingPathComponent("paste-buffer")
            try tmux.tmux(["save-buffer", saved.path])
            let command = (try? String(contentsOf: saved, encoding: .utf8)) ?? ""
            #expect(command.hasPrefix("curl -sS -X GET '\(url.absoluteString)/public/v1/contacts/by-email/customer%40example.com'"), "\(command)")
            #expect(!command.contains(Self.key))
            let run = try await CurlCommandRunner.run(command, key: Self.key)
            #expect(run.status == 200)
            #expect(String(decoding: run.body, as: UTF8.self).contains("\"Acme Corp\""))
        }
    }
}

extension TUICopyEndToEndTests {
    /// `--debug=curl` prints each request as the command that repeats it; run, a write's
    /// command gets the server's replayed answer (same idempotency key), not a second write.
    @Test func debugCurlPrintsEachRequestAsACommandThatGetsTheSameAnswer() async throws {
        try await withSandbox { url in
            let cache = try MultiProcessTests.temporaryDirectory("debug-curl")
            defer { try? FileManager.default.removeItem(at: cache) }
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path]
            let get = try await CLI.run(["contacts", "get", "customer@example.com", "--json"], environment: environment)
            let id = try #require(try JSONValue.parse(Data(get.stdout.utf8))["data"]?["id"]).jsonText
            let update = try await CLI.run(["contacts", "update", id, "--field", "plan=pro", "--json", "--debug=curl"], environment: environment)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(!update.stderr.contains(Self.key))
            // The PUT's command: from its curl line to the next comment or the quota line.
            let lines = update.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex { $0.hasPrefix("curl -sS -X PUT") }, "\(update.stderr)")
            let command = lines[start...].prefix { !$0.hasPrefix("#") && !$0.hasPrefix("quota") && !$0.isEmpty }.joined(separator: "\n")
            #expect(command.contains("Idempotency-Key: "))
            let writes = try await MultiProcessTests.stats(url)["writesApplied"]?.intValue
            let run = try await CurlCommandRunner.run(command, key: Self.key)
            #expect(run.status == 200)
            #expect(try JSONValue.parse(run.body) == JSONValue.parse(Data(update.stdout.utf8)))
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == writes, "replayed, not applied again")
        }
    }
}

extension TUICopyEndToEndTests {
    /// tmux with `set-clipboard off` drops OSC 52: the copied value is shown to be selected by
    /// hand instead of being lost.
    @Test func aCopyTheTerminalCannotTakeIsShownToSelect() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("tui-copy-off")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox { url in
            // The pane's TMUX (the harness starts the TUI with a clean environment): the socket
            // path is what `tmux show-options` inside reads.
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 140, rows: 40, passTMUX: true)
            defer { tmux.close() }
            try tmux.tmux(["set-option", "-g", "set-clipboard", "off"])
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"Acme Corp\"")
            // The fields pane has the focus after a lookup: y copies the selected value.
            try tmux.press("y")
            let shown = try await tmux.waitFor("does not take OSC 52")
            #expect(shown.contains("Acme Corp"))
            #expect(shown.contains("set -g set-clipboard on"))
            try tmux.press("Escape")
            try await tmux.waitUntil("the overlay closed") { !$0.contains("does not take OSC 52") }
        }
    }
}
