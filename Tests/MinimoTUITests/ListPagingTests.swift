import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// The list read a page at a time, on the reducer's side: which page is asked for and when,
/// and which answers are taken. (The whole story against the sandbox: HeadlessListPagingTests.)
@Suite struct ListPagingTests {
    func page(_ count: Int, from start: Int) -> [ContactSummary] {
        (start..<start + count).map {
            ContactSummary(id: ContactID("\($0)"), email: "p\($0)@example.it", phone: nil, fetchedAt: BulkEditTests.now, deleted: false)
        }
    }

    func listed(query: String, more: Bool) -> AppState {
        var state = AppState(size: TerminalSize(columns: 120, rows: 30), profile: "acme", host: "api.minimo.it", isDemo: false)
        state.search = LineEditor(text: query)
        state.focus = .results
        _ = state.reduce(.searchResults(query: query, page(100, from: 0), more: more))
        return state
    }

    @Test func theNextPageIsAskedForOnceWhenTheSelectionComesWithinAScreenOfTheEnd() {
        var state = listed(query: "p", more: true)
        #expect(state.list.countLabel == "100+")
        // 30 rows: a screen is 22 rows of list; row 77 is 23 from the end, row 78 is 22.
        state.list.selection = 76
        #expect(state.reduce(.key(.character("j"))).isEmpty)
        #expect(state.reduce(.key(.character("j"))) == [.searchMore(query: "p", offset: 100)])
        // Asked once: further moves wait for that page.
        #expect(state.reduce(.key(.character("j"))).isEmpty)
        _ = state.reduce(.searchResults(query: "p", page(50, from: 100), offset: 100, more: false))
        #expect(state.list.results.count == 150)
        #expect(state.list.countLabel == "150")
        #expect(state.list.selection == 79)
        state.list.selection = 149
        #expect(state.reduce(.key(.character("j"))).isEmpty, "nothing more to read")
    }

    @Test func aPageOfAnOlderListOrQueryIsLeftOut() {
        var state = listed(query: "p", more: true)
        state.list.selection = 99
        #expect(state.reduce(.tick(BulkEditTests.now)).contains(.searchMore(query: "p", offset: 100)))
        // The user typed on: the page of "p" answers a list that is no longer shown.
        state.search = LineEditor(text: "p1")
        _ = state.reduce(.searchResults(query: "p1", page(3, from: 10), more: false))
        _ = state.reduce(.searchResults(query: "p", page(100, from: 100), offset: 100, more: true))
        #expect(state.list.results.map(\.id.rawValue) == ["10", "11", "12"])
        // A page at an offset no one asked for is left out too.
        _ = state.reduce(.searchResults(query: "p1", page(5, from: 500), offset: 3, more: false))
        #expect(state.list.results.count == 3)
    }

    @Test func noPageIsAskedForWhileTheTextShownIsNotTheListsQuery() {
        var state = listed(query: "p", more: true)
        state.list.selection = 99
        state.search = LineEditor(text: "p9")  // typed, its answer not in yet
        #expect(!state.reduce(.tick(BulkEditTests.now)).contains { if case .searchMore = $0 { true } else { false } })
    }

    @Test func markAllReadsTheOtherMatchesAndMarksThemToo() {
        var state = listed(query: "p", more: true)
        let effects = state.reduce(.key(.character("M")))
        #expect(effects.contains(.searchMore(query: "p", offset: 100, rows: ListState.markAllLimit - 100)))
        #expect(state.list.marks.count == 100)
        #expect(state.notices.flash?.contains("reading the other matches") == true)
        _ = state.reduce(.searchResults(query: "p", page(40, from: 100), offset: 100, more: false))
        #expect(state.list.marks.count == 140)
        #expect(state.notices.flash?.hasPrefix("140 marked") == true, "\(state.notices.flash ?? "")")
        // M again: every match is shown and marked, so it unmarks them; nothing more is read.
        #expect(!state.reduce(.key(.character("M"))).contains { if case .searchMore = $0 { true } else { false } })
        #expect(state.list.marks.isEmpty)
    }
}
