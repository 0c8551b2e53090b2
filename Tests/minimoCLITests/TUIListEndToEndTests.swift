import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The contact list's columns from a profile (`columns = [...]` in config.toml), end to end: the
/// real binary in tmux against the sandbox, the profile read from a real file.
@Suite(.serialized) struct TUIListEndToEndTests {
    static let key = "mn-test-list-0123456789abcdef"

    func home(with config: String) throws -> URL { try ConfigHome.make(config, prefix: "tui-list") }

    /// What only the binary does: read `columns` from a real config file (single quotes, a
    /// display name, a trailing comma) and hand them to the TUI. The sort keys are in-process
    /// stories (`HeadlessListTests`).
    @Test func aProfilesColumnsFromTheConfigFileShowInTheList() async throws {
        try await withSandbox({ $0.contactCount = 30 }) { url in
            let home = try home(with: """
                [profiles.shop]
                base_url = "\(url.absoluteString)"
                api_key_env = "SHOP_KEY"
                columns = ["email", "name", 'Plan', "seats", ]   # Plan by display name
                """)
            defer { try? FileManager.default.removeItem(at: home) }
            let environment = ["HOME": home.path, "MINIMO_PROFILE": "shop", "SHOP_KEY": Self.key, "MINIMO_CACHE_DIR": home.appendingPathComponent("cache").path]
            let sync = try await CLI.run(["sync"], environment: environment, home: home)
            #expect(sync.status == 0, "sync failed: \(sync.stderr)")
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 220, rows: 40)
            defer { tmux.close() }
            try tmux.press("Escape")
            let table = try await tmux.waitUntil("the header and a row of the seeded customer") {
                $0.contains("Email") && $0.contains("Name") && $0.contains("Plan") && $0.contains("Seats")
                    && $0.range(of: #"customer@example\.com +enterprise"#, options: .regularExpression) != nil
            }
            #expect(table.contains("Contacts"))
        }
    }

    @Test func aMalformedColumnsLineIsRefusedNamingTheLine() async throws {
        let home = try home(with: "[profiles.shop]\ncolumns = [\"email\", name]\n")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await CLI.run(["contacts", "get", "a@example.com"], environment: ["MINIMO_PROFILE": "shop", "MINIMO_API_KEY": "mn-a-b"], home: home)
        #expect(run.status == 2)
        #expect(run.stderr.contains("config.toml:2"), "\(run.stderr)")
        #expect(run.stderr.contains("strings need quotes"))
    }
}
