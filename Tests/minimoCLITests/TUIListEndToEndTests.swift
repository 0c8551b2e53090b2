import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The contact list's columns from a profile (`columns = [...]` in config.toml) and the sort key,
/// end to end: the real binary in tmux against the sandbox, the profile read from a real file.
@Suite(.serialized) struct TUIListEndToEndTests {
    static let key = "mn-test-list-0123456789abcdef"

    func home(with config: String) throws -> URL { try ConfigHome.make(config, prefix: "tui-list") }

    @Test func aProfilesColumnsShowPeopleAndOCyclesTheSortColumn() async throws {
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
            // o: sorted by the first column, then the next; I inverts.
            try tmux.press("o", "o")
            let byName = try await tmux.waitFor("sorted by Name")
            #expect(byName.contains("Name ▲"))
            let names = Self.column(byName, after: "Name ▲", width: 6)
            #expect(names == names.sorted { $0.localizedStandardCompare($1) == .orderedAscending }, "\(names)")
            try tmux.press("I")
            let reversed = try await tmux.waitFor("sorted by Name, descending")
            #expect(reversed.contains("Name ▼"))
            try tmux.press("o", "o")
            let bySeats = try await tmux.waitFor("sorted by Seats, descending")
            let seats = Self.column(bySeats, after: "Seats ▼", width: 4).compactMap { Int($0) }
            #expect(seats.count > 3)
            #expect(seats == seats.sorted(by: >), "numbers sort as numbers: \(seats)")
            try tmux.press("o")
            try await tmux.waitFor("in the search's order")
        }
    }

    /// The first word under a header cell, for each row of the list (rows start with "│ ").
    static func column(_ screen: String, after header: String, width: Int) -> [String] {
        let lines = screen.split(separator: "\n").map(String.init)
        guard let headerLine = lines.firstIndex(where: { $0.contains(header) }),
            let start = lines[headerLine].range(of: header)?.lowerBound
        else { return [] }
        let offset = lines[headerLine].distance(from: lines[headerLine].startIndex, to: start)
        return lines[(headerLine + 1)...].prefix(15).compactMap { line -> String? in
            let characters = Array(line)
            guard characters.count > offset + 1 else { return nil }
            let text = String(characters[offset...]).split(separator: " ").first.map(String.init) ?? ""
            return text.isEmpty || text.hasPrefix("│") ? nil : text
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
