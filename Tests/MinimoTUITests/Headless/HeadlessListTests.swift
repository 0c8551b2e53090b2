import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// The contact list's columns (a profile's `columns = [...]`) and the sort key: the real loop
/// in-process against the sandbox, the list filled by a real sync.
@Suite struct HeadlessListTests {
    @Test func aProfilesColumnsShowPeopleAndOCyclesTheSortColumn() async throws {
        try await SandboxFixture.with({ $0.contactCount = 30 }) { sandbox in
            _ = try await sandbox.store().sync()
            // Plan by its display name, seats by its key, as a profile may name them.
            try await TUIDriver.with(sandbox, columns: 220, listColumns: ["email", "name", "Plan", "seats"]) { tui in
                tui.press("Escape")
                let table = try await tui.waitUntil("the header and a row of the seeded customer") {
                    $0.contains("Email") && $0.contains("Name") && $0.contains("Plan") && $0.contains("Seats")
                        && $0.range(of: #"customer@example\.com +enterprise"#, options: .regularExpression) != nil
                }
                #expect(table.contains("Contacts"))
                // o: sorted by the first column, then the next; I inverts.
                tui.press("o", "o")
                let byName = try await tui.waitFor("sorted by Name")
                #expect(byName.contains("Name ▲"))
                let names = Self.column(byName, after: "Name ▲")
                #expect(names.count > 3)
                #expect(names == names.sorted { $0.localizedStandardCompare($1) == .orderedAscending }, "\(names)")
                tui.press("I")
                let reversed = try await tui.waitFor("sorted by Name, descending")
                #expect(reversed.contains("Name ▼"))
                tui.press("o", "o")
                let bySeats = try await tui.waitFor("sorted by Seats, descending")
                let seats = Self.column(bySeats, after: "Seats ▼").compactMap { Int($0) }
                #expect(seats.count > 3)
                #expect(seats == seats.sorted(by: >), "numbers sort as numbers: \(seats)")
                tui.press("o")
                try await tui.waitFor("in the search's order")
            }
        }
    }

    /// The first word under a header cell, for each row of the list (rows start with "│ ").
    static func column(_ screen: String, after header: String) -> [String] {
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
}

/// The list reads the cache a page at a time: the first screen costs one page, and moving down
/// reads the next before the selection gets there, until every match is in.
@Suite struct HeadlessListPagingTests {
    @Test func theListReadsItsNextPageAsTheSelectionNearsTheEnd() async throws {
        try await SandboxFixture.with({ $0.contactCount = 250 }) { sandbox in
            _ = try await sandbox.store().sync()
            let total = try await sandbox.store().search("", limit: 1000).count
            #expect(total > TUIApp.page * 2, "the sandbox seeds more than two pages: \(total)")
            try await TUIDriver.with(sandbox) { tui in
                tui.press("Escape")
                let first = try await tui.waitFor("\(TUIApp.page)+")
                #expect(!first.contains("\(TUIApp.page * 2)+"))
                // G: the last row loaded; within a screen of the end, so the next page is read.
                tui.press("G")
                try await tui.waitFor("\(TUIApp.page * 2)+")
                tui.press("G")
                try await tui.waitUntil("every match loaded, no + left") { screen in
                    screen.contains("Contacts") && screen.range(of: "\\b\(total)\\b(?!\\+)", options: .regularExpression) != nil
                        && !screen.contains("\(TUIApp.page * 2)+")
                }
            }
        }
    }
}
