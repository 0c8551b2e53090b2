import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// Production safety: a profile with `readonly = true` (or `--readonly`) refuses every write
/// before it reaches the outbox, on the CLI (exit 2) and in the TUI (which says so), and its
/// `label` and `color` show in the status bar.
@Suite(.serialized) struct ReadOnlyProfileTests {
    static let key = "mn-test-readonly-0123456789abcdef"

    func home(_ url: URL, readonly: Bool) throws -> URL {
        let home = try MultiProcessTests.temporaryDirectory("readonly")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/minimo"), withIntermediateDirectories: true)
        try """
            [profiles.prod]
            base_url = "\(url.absoluteString)"
            api_key_env = "PROD_KEY"
            readonly = \(readonly)
            label = "PROD"
            color = "red"
            """.write(to: home.appendingPathComponent(".config/minimo/config.toml"), atomically: true, encoding: .utf8)
        return home
    }

    @Test func everyWritePathIsRefusedAndTheOutboxStaysEmpty() async throws {
        try await withSandbox { url in
            let home = try home(url, readonly: true)
            defer { try? FileManager.default.removeItem(at: home) }
            let environment = ["MINIMO_PROFILE": "prod", "PROD_KEY": Self.key, "MINIMO_CACHE_DIR": home.appendingPathComponent("cache").path]
            let get = try await CLI.run(["contacts", "get", "customer@example.com", "--json"], environment: environment, home: home)
            #expect(get.status == 0, "reading is allowed: \(get.stderr)")
            let id = try #require(try JSONValue.parse(Data(get.stdout.utf8))["data"]?["id"]).jsonText
            let csv = home.appendingPathComponent("rows.csv")
            try "email,plan\nnew@example.com,pro\n".write(to: csv, atomically: true, encoding: .utf8)
            let writes: [[String]] = [
                ["contacts", "update", id, "--field", "plan=pro"],
                ["contacts", "upsert", "--email", "new@example.com"],
                ["contacts", "delete", id],
                ["import", csv.path],
                ["outbox", "retry"],
            ]
            for command in writes {
                let run = try await CLI.run(command, environment: environment, home: home)
                #expect(run.status == 2, "\(command): \(run.status) \(run.stderr)")
                #expect(run.stderr.contains("read-only"), "\(command): \(run.stderr)")
                #expect(run.stderr.contains("nothing was queued or sent"))
            }
            // The same profile with --readonly off in the file but on the command line.
            let list = try await CLI.run(["outbox", "list"], environment: environment, home: home)
            #expect(list.stdout.contains("outbox empty"), "\(list.stdout)")
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == 0)
        }
    }

    @Test func theReadonlyFlagRefusesWritesOnAnyProfile() async throws {
        try await withSandbox { url in
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key]
            let run = try await CLI.run(["contacts", "update", "1", "--field", "plan=pro", "--readonly"], environment: environment)
            #expect(run.status == 2)
            #expect(run.stderr.contains("contacts update refused"))
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == 0)
        }
    }

    @Test func theTUIShowsTheLabelAndRefusesEditsSayingWhy() async throws {
        try await withSandbox { url in
            let home = try home(url, readonly: true)
            defer { try? FileManager.default.removeItem(at: home) }
            let environment = ["HOME": home.path, "MINIMO_PROFILE": "prod", "PROD_KEY": Self.key, "MINIMO_CACHE_DIR": home.appendingPathComponent("cache").path]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 140, rows: 40)
            defer { tmux.close() }
            let first = try await tmux.waitFor("Search email")
            #expect(first.contains(" PROD  read-only prod"), "the badge and the mark lead the status bar:\n\(first)")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"Acme Corp\"")
            // The refusals one by one (e, s, Space) are an in-process story (HeadlessReadOnlyTests):
            // here, that the config's readonly reaches the TUI.
            try tmux.press("e")
            let refused = try await tmux.waitFor("read-only profile")
            #expect(!refused.contains("Enter apply"))
            let screen = try tmux.screen()
            #expect(!screen.contains("unsaved"))
            #expect(!screen.contains("unsent"))
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == 0)
        }
    }
}
