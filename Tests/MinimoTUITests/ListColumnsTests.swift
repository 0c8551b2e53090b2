import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// The list's columns and sort, on the reducer's and the view's side.
@Suite struct ListColumnsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func summary(_ id: Int, _ email: String, name: String?, fields: [String: JSONValue]) -> ContactSummary {
        ContactSummary(id: ContactID("\(id)"), email: email, phone: nil, fetchedAt: Self.now, deleted: false, name: name, customFields: fields)
    }

    func state() -> AppState {
        var state = AppState(size: TerminalSize(columns: 160, rows: 20), profile: nil, host: nil, isDemo: true)
        state.list.columns = ["email", "name", "Plan", "seats"].map(ListColumn.init(name:))
        _ = state.reduce(.definitionsLoaded([CustomFieldDefinition(key: "PLAN", displayName: "Plan", type: .select)]))
        _ = state.reduce(.searchResults(query: "", [
            summary(1, "b@x.it", name: "Bea", fields: ["plan": "pro", "seats": 12]),
            summary(2, "a@x.it", name: nil, fields: ["plan": "free", "seats": 9]),
            summary(3, "c@x.it", name: "Ada", fields: ["seats": 100]),
        ]))
        state.focus = .results
        return state
    }

    @Test func columnsFindFieldsByKeyOrDisplayNameIgnoringCase() {
        let state = state()
        let plan = ListColumn(name: "Plan")
        #expect(plan.title(definitions: state.definitions) == "Plan")
        #expect(plan.value(of: state.list.results[0], definitions: state.definitions) == "pro")
        #expect(ListColumn(name: "SEATS").value(of: state.list.results[0], definitions: []) == "12")
        #expect(ListColumn(name: " Email ") == .email)
        #expect(ListColumn(name: "name").value(of: state.list.results[1], definitions: []) == nil)
    }

    @Test func numbersSortAsNumbersMissingValuesGoLastAndTheSelectionStays() {
        var state = state()
        state.list.selection = 2  // c@x.it
        _ = state.reduce(.key(.character("o")))  // email
        #expect(state.list.results.map(\.email) == ["a@x.it", "b@x.it", "c@x.it"])
        #expect(state.list.results[state.list.selection].email == "c@x.it")
        _ = state.reduce(.key(.character("o")))  // name: the nameless last
        #expect(state.list.results.map(\.email) == ["c@x.it", "b@x.it", "a@x.it"])
        _ = state.reduce(.key(.character("I")))  // name, descending: still last
        #expect(state.list.results.map(\.email) == ["b@x.it", "c@x.it", "a@x.it"])
        _ = state.reduce(.key(.character("o")))  // plan, descending
        _ = state.reduce(.key(.character("o")))  // seats, descending: 100 > 12 > 9
        #expect(state.list.results.map(\.email) == ["c@x.it", "b@x.it", "a@x.it"])
        #expect(state.notices.flash == "sorted by seats, descending")
        // A new answer of the search keeps the order.
        _ = state.reduce(.searchResults(query: "", [summary(4, "d@x.it", name: nil, fields: ["seats": 50])] + state.list.results))
        #expect(state.list.results.map(\.email) == ["c@x.it", "d@x.it", "b@x.it", "a@x.it"])
        _ = state.reduce(.key(.character("o")))
        #expect(state.list.sort == nil)
    }

    @Test func theTableHasAHeaderMarksTheSortColumnAndWidensTheListOnWideTerminals() {
        var state = state()
        _ = state.reduce(.key(.character("o")))
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let lines = canvas.lines()
        let header = lines.first { $0.contains("Email ▲") } ?? ""
        #expect(header.contains("Name") && header.contains("Plan") && header.contains("seats"), "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("b@x.it") && $0.contains("Bea") && $0.contains("pro") && $0.contains("12") })
        #expect(Layout(size: state.size, wideList: true).results.width == 67)
        #expect(Layout(size: TerminalSize(columns: 100, rows: 30), wideList: true).results.width == Layout(size: TerminalSize(columns: 100, rows: 30)).results.width)
    }
}
