import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// The bindings table: key names, the user's `[keys]` over the defaults, and the reducer,
/// the help and the hints all following it.
@Suite struct BindingsTests {
    func contact() -> Contact {
        Contact(
            id: "42", email: "customer@example.com", phone: nil, status: "active", source: "API",
            customFields: ["company": "Acme", "plan": "pro"], company: 1, marketingConsent: MarketingConsent(email: true, whatsapp: false),
            fields: ["id": 42, "email": "customer@example.com"])
    }

    func state(_ overrides: [KeyOverride] = [], rows: Int = 30) throws -> AppState {
        var state = AppState(size: TerminalSize(columns: 120, rows: rows), profile: "acme", host: nil, isDemo: false)
        state.bindings = try Bindings.defaults.applying(overrides)
        state.contact = contact()
        state.list.results = (0..<20).map { ContactSummary(id: ContactID("\($0)"), email: "c\($0)@example.com", phone: nil, fetchedAt: Date(), deleted: false) }
        return state
    }

    func override(_ context: String, _ action: String, _ keys: [String], line: Int = 7) -> KeyOverride {
        KeyOverride(context: context, action: action, keys: keys, line: line)
    }

    func bindingError(_ overrides: [KeyOverride]) -> BindingError? {
        do {
            _ = try Bindings.defaults.applying(overrides)
            return nil
        } catch {
            return error
        }
    }

    @Test func keyNamesReadAsConfigWritesThemAndShowAsTheScreenDoes() throws {
        let cases: [(String, KeyEvent, String)] = [
            ("s", .character("s"), "s"), ("G", .character("G"), "G"), ("ctrl-s", .control("s"), "Ctrl-S"),
            ("Ctrl-S", .control("s"), "Ctrl-S"), ("space", .character(" "), "Space"), ("pgdn", .pageDown, "PgDn"),
            ("PageUp", .pageUp, "PgUp"), ("shift-tab", .backTab, "Shift-Tab"), ("return", .enter, "Enter"),
            ("esc", .escape, "Esc"), ("f5", .function(5), "F5"), ("é", .character("é"), "é"),
        ]
        for (name, key, shown) in cases {
            #expect(try KeyName.parse(name).get() == key, "\(name)")
            #expect(KeyName.display(key) == shown)
            #expect(try KeyName.parse(KeyName.configName(key)).get() == key, "round trip of \(name)")
        }
        for bad in ["ctrl-c", "ctrl-i", "ctrl-m", "hyper-x", "", "f13", "ab"] {
            #expect((try? KeyName.parse(bad).get()) == nil, "\(bad) is refused")
        }
    }

    @Test func theDefaultsHaveNoClashAndEveryActionHasAContextAndAKey() throws {
        try Bindings.checkClashes(Bindings.defaults.entries)
        let bound = Set(Bindings.defaults.entries.map(\.action))
        #expect(bound == Set(KeyAction.allCases))
        for entry in Bindings.defaults.entries { #expect(!entry.keys.isEmpty, "\(entry.action) has a key") }
    }

    @Test func severalKeysBoundToOneActionEachDoIt() throws {
        let base = try state([override("global", "save", ["s", "ctrl-s", "w"])])
        for key in [KeyEvent.character("s"), .control("s"), .character("w")] {
            var state = base
            state.focus = .fields
            state.edit.fields = ["company": "Acme Ltd"]
            _ = state.reduce(.key(key))
            #expect(state.overlay == .saveReview, "\(key) opens the review")
        }
    }

    @Test func aRemappedKeyReplacesTheDefaultAndFreesIt() throws {
        var state = try state([override("list", "mark", ["space"]), override("list", "sort", ["m"], line: 8)])
        state.list.columns = [.email, .name]
        state.focus = .results
        _ = state.reduce(.key(.character(" ")))
        #expect(state.list.marks.count == 1, "Space marks now")
        _ = state.reduce(.key(.character("m")))
        #expect(state.list.marks.count == 1, "m no longer marks")
        #expect(state.list.sort != nil, "m sorts")
        // The status bar advertises the user's key.
        #expect(state.keyHints.contains(KeyHint(key: "Space", label: "mark")))
        #expect(!state.keyHints.contains { $0.key == "m" && $0.label == "mark" })
    }

    @Test func aClashNamesItsLineAndBothActions() {
        let error = bindingError([override("global", "bulk", ["d"], line: 12)])
        #expect(error?.line == 12)
        #expect(error?.message.contains("'d' would do two things") == true, "\(String(describing: error))")
        #expect(error?.message.contains("bulk in [keys.global]") == true)
        #expect(error?.message.contains("delete in [keys.fields]") == true)
        // Within one context too; and the line blamed is the later of two user lines.
        let twice = bindingError([override("list", "mark", ["x"], line: 3), override("list", "sort", ["x"], line: 4)])
        #expect(twice?.line == 4)
        // Contexts never live together may share a key: d drops in the outbox, deletes in fields.
        #expect(bindingError([override("outbox", "drop", ["x"]), override("fields", "delete", ["x"])]) == nil)
    }

    @Test func unknownNamesAreErrorsNamingTheLine() {
        let action = bindingError([override("fields", "frobnicate", ["z"], line: 5)])
        #expect(action?.line == 5)
        #expect(action?.message.contains("unknown action 'frobnicate' in [keys.fields] (actions: edit, add, delete)") == true)
        let key = bindingError([override("global", "save", ["hyper-s"], line: 9)])
        #expect(key?.line == 9)
        #expect(key?.message.contains("unknown key name 'hyper-s'") == true)
        let context = bindingError([override("panes", "save", ["s"], line: 2)])
        #expect(context?.line == 2)
        #expect(context?.message.contains("unknown key context [keys.panes]") == true)
    }

    @Test func anEmptyListUnbindsAnAction() throws {
        var state = try state([override("global", "quit", [])])
        state.focus = .results
        _ = state.reduce(.key(.character("q")))
        #expect(!state.shouldQuit)
        #expect(state.bindings.label(.quit, in: .global) == "(unbound)")
        _ = state.reduce(.key(.control("c")))
        #expect(state.shouldQuit, "Ctrl-C is fixed: it still quits")
    }

    @Test func theHelpShowsTheKeysInEffect() throws {
        var state = try state([override("list", "mark", ["space", "x"]), override("global", "save", ["ctrl-w"])], rows: 120)
        state.overlay = .help
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let lines = canvas.lines()
        let mark = lines.first { $0.contains("mark or unmark the selected contact") }
        #expect(mark?.contains("Space  x") == true, "\(mark ?? "no mark row")")
        let save = lines.first { $0.contains("review the JSON to be sent") }
        #expect(save?.contains("Ctrl-W") == true)
        #expect(save?.contains("Ctrl-S") == false)
    }

    @Test func slashInAnEmptySearchBoxDoesNothingQuestionMarkHelpsAndBothTypeAfterText() throws {
        var state = try state()
        state.focus = .search
        #expect(state.reduce(.key(.character("/"))).isEmpty)
        #expect(state.search.text == "")
        // ? opens the help from an empty box (and says so in the hints); after text, both type.
        #expect(state.keyHints.first == KeyHint(key: "?", label: "help"))
        _ = state.reduce(.key(.character("?")))
        #expect(state.overlay == .help)
        _ = state.reduce(.key(.escape))
        _ = state.reduce(.key(.character("a")))
        #expect(!state.keyHints.contains { $0.label == "help" })
        _ = state.reduce(.key(.character("/")))
        _ = state.reduce(.key(.character("?")))
        #expect(state.search.text == "a/?")
        #expect(state.overlay == nil)
    }

    @Test func topAndBottomGoToTheFirstAndLastRowAndStepBackFromThere() throws {
        var state = try state()
        state.focus = .results
        _ = state.reduce(.key(.character("G")))
        #expect(state.list.selection == 19)
        _ = state.reduce(.key(.character("k")))
        #expect(state.list.selection == 18)
        _ = state.reduce(.key(.character("g")))
        #expect(state.list.selection == 0)
        // The help: G shows its last page, and k scrolls back one line from there (not from
        // a million lines below).
        state.overlay = .help
        _ = state.reduce(.key(.end))
        let bottom = state.overlayScroll
        #expect(bottom > 0)
        _ = state.reduce(.key(.character("k")))
        #expect(state.overlayScroll == bottom - 1)
        _ = state.reduce(.key(.home))
        #expect(state.overlayScroll == 0)
    }

    @Test func theRequestLogFollowsNewExchangesAndKeepsTheSelection() throws {
        func exchange(_ path: String) -> RawExchange {
            RawExchange(
                startedAt: Date(), method: "GET", url: "https://api.minimo.it/v1" + path, requestHeaders: [], requestBody: nil,
                status: 200, responseHeaders: [], responseBody: Data(), duration: 0.01, quotaAfter: nil, error: nil, attempt: 1)
        }
        var state = try state()
        let first = (0..<3).map { exchange("/contacts/\($0)") }
        state.log = first
        state.overlay = .log(selection: 2)
        #expect(state.reduce(.tick(Date())).contains(.refreshLog(newest: first.last?.id)), "the open log looks for new exchanges on the tick")
        _ = state.reduce(.logLoaded(first + [exchange("/contacts/new")]))
        #expect(state.overlay == .log(selection: 3), "at the newest row, it follows")
        state.overlay = .log(selection: 1)
        // Older rows dropped off the front (the log keeps the last 500): the selection stays on its exchange.
        _ = state.reduce(.logLoaded(Array(state.log.dropFirst()) + [exchange("/contacts/newer")]))
        #expect(state.overlay == .log(selection: 0))
        #expect(state.log[0].id == first[1].id)
    }

    @Test func aReadOnlyProfileRefusesAWriteWhateverKeyItIsBoundTo() throws {
        var state = try state([override("fields", "edit", ["x"])])
        state.readOnly = true
        state.focus = .fields
        _ = state.reduce(.key(.character("x")))
        #expect(state.editing == nil)
        #expect(state.notices.lastError?.contains("read-only profile") == true)
        // e is free now, and reading keys still work.
        state.notices.lastError = nil
        _ = state.reduce(.key(.character("e")))
        #expect(state.notices.lastError == nil)
    }

    @Test func anOverlaySaysHowToMoveInItAndLeaveIt() throws {
        var state = try state([override("move", "down", ["ctrl-n"])])
        state.overlay = .help
        #expect(state.keyHints == [KeyHint(key: "Ctrl-N", label: "down"), KeyHint(key: "↑", label: "up"), KeyHint(key: "Esc", label: "close")])
        state.overlay = .log(selection: 0)
        #expect(state.keyHints.map(\.label) == ["show", "copy as curl", "close"])
    }

    @Test func theMarkdownTableListsEveryBinding() {
        let markdown = Bindings.defaults.markdown
        #expect(markdown.contains("| `global` | `save` | `s` `Ctrl-S` |"))
        #expect(markdown.contains("| `list` | `mark` | `m` |"))
        #expect(markdown.split(separator: "\n").filter { $0.hasPrefix("| `") }.count == Bindings.defaults.entries.count)
    }
}
