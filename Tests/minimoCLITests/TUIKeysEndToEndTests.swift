import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// Remapped keys end to end: `[keys.CONTEXT]` in a real config.toml, read by the real binary in
/// tmux against the sandbox; `minimo keys`, and the README's key table, which is its output.
@Suite(.serialized) struct TUIKeysEndToEndTests {
    static let key = "mn-test-keys-0123456789abcdef"

    func home(with config: String) throws -> URL { try ConfigHome.make(config, prefix: "tui-keys") }

    @Test func remappedKeysDoTheirActionsAndTheHelpShowsThem() async throws {
        try await withSandbox({ $0.contactCount = 20 }) { url in
            let home = try home(with: """
                [profiles.shop]
                base_url = "\(url.absoluteString)"
                api_key_env = "SHOP_KEY"

                [keys.list]
                mark = "space"          # as in many file managers
                [keys.global]
                save = ["s", "ctrl-s", "w"]
                """)
            defer { try? FileManager.default.removeItem(at: home) }
            let environment = ["HOME": home.path, "MINIMO_PROFILE": "shop", "SHOP_KEY": Self.key, "MINIMO_CACHE_DIR": home.appendingPathComponent("cache").path]
            let sync = try await CLI.run(["sync"], environment: environment, home: home)
            #expect(sync.status == 0, "sync failed: \(sync.stderr)")
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 160, rows: 45)
            defer { tmux.close() }
            try tmux.press("Escape")
            try await tmux.waitFor("customer@example.com")
            // The status bar advertises the user's key for marking; Space marks, m no longer does.
            let list = try await tmux.waitFor("Space mark")
            #expect(!list.contains("m mark"))
            try tmux.press("m")
            try tmux.press("Space")
            try await tmux.waitFor("1 marked")
            // The help lists the keys in effect.
            try tmux.press("?")
            let help = try await tmux.waitUntil("the help with the remapped keys") {
                $0.contains("mark or unmark the selected contact") && $0.contains("review the JSON to be sent")
            }
            let markRow = help.split(separator: "\n").first { $0.contains("mark or unmark the selected contact") } ?? ""
            #expect(markRow.contains("Space"), "\(markRow)")
            let saveRow = help.split(separator: "\n").first { $0.contains("review the JSON to be sent") } ?? ""
            #expect(saveRow.contains("s  Ctrl-S  w"), "\(saveRow)")
            try tmux.press("Escape")
            // Open the seeded customer, change a field, and w (the third key of save) opens the review.
            try tmux.press("/")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("Acme")
            try tmux.press("e", "C-u")
            try tmux.type("Remapped Ltd")
            try tmux.press("Enter")
            try await tmux.waitFor("1 unsaved")
            try tmux.press("w")
            let review = try await tmux.waitFor("Review: PUT /contacts/")
            #expect(review.contains("Remapped Ltd"))
            try tmux.press("y")
            try await tmux.waitUntil("the edit sent") { $0.contains("Remapped Ltd") && !$0.contains("unsaved") && !$0.contains("Review:") }
        }
    }

    @Test func aBadKeysLineStopsTheTUINamingTheLine() async throws {
        let home = try home(with: "[profiles.shop]\nbase_url = \"http://127.0.0.1:9\"\n\n[keys.global]\nbulk = \"d\"\n")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await CLI.run([], environment: ["MINIMO_PROFILE": "shop", "MINIMO_API_KEY": "mn-a-b"], home: home)
        #expect(run.status == 2)
        #expect(run.stderr.contains("config.toml:5: 'd' would do two things"), "\(run.stderr)")
        // A script's command is not stopped by a mistyped key: only the TUI reads them.
        let keys = try await CLI.run(["keys"], environment: [:], home: home)
        #expect(keys.status == 2)
        #expect(keys.stderr.contains("config.toml:5"))
    }

    @Test func minimoKeysPrintsTheTableInEffect() async throws {
        let home = try home(with: "[keys.outbox]\nkeep_mine = [\"M\", \"ctrl-k\"]\n")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await CLI.run(["keys"], environment: [:], home: home)
        #expect(run.status == 0, "\(run.stderr)")
        let row = run.stdout.split(separator: "\n").first { $0.contains("keep_mine") } ?? ""
        #expect(row.contains("M  Ctrl-K"), "\(row)")
        #expect(row.contains("(config line 2)"))
        #expect(run.stdout.contains("[keys.outbox]"))
    }

    /// The README's key table is `minimo keys --markdown` with no config: the two cannot drift.
    @Test func theREADMEKeyTableIsMinimoKeysMarkdown() async throws {
        let home = try MultiProcessTests.temporaryDirectory("tui-keys-readme")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await CLI.run(["keys", "--markdown"], environment: [:], home: home)
        #expect(run.status == 0, "\(run.stderr)")
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"), encoding: .utf8)
        guard let start = readme.range(of: "<!-- keys:begin (minimo keys --markdown) -->\n"), let end = readme.range(of: "<!-- keys:end -->") else {
            Issue.record("the README has no keys:begin / keys:end markers")
            return
        }
        let table = String(readme[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(table == run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "regenerate the README's table: minimo keys --markdown")
    }
}
