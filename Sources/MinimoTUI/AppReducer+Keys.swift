import Foundation
import MinimoCache
import MinimoKit

/// A key becomes an action through the bindings table (`AppState.bindings`), then the action is
/// carried out here for the main screen; overlays and text boxes have their own handlers.
extension AppState {
    /// The context of the focused pane: its keys, over `global` and `move`.
    var focusContext: KeyContext {
        switch focus {
        case .results: .list
        case .fields: .fields
        case .consent: .consent
        case .search, .detail: .global
        }
    }

    mutating func handle(_ key: KeyEvent) -> [AppEffect] {
        if key == .resize { forceRedraw = true; return [] }
        // Ctrl-C quits from anywhere (asking first when there are unsaved changes; pressed
        // again on that question, it quits: the changes are kept as a draft either way).
        if key == .control("c") {
            if overlay == .confirmQuit || !quitNeedsConfirmation {
                shouldQuit = true
            } else {
                editing = nil
                overlay = .confirmQuit
            }
            return []
        }
        // Redraw works everywhere, text boxes included (a character bound to it types there).
        if !key.isText, bindings.ownAction(for: key, in: .move) == .redraw { forceRedraw = true; return [] }
        if let overlay { return handleOverlay(key, overlay) }
        if editing != nil { return handleEditing(key) }
        if focus == .search { return handleSearch(key) }
        notices.flash = nil
        guard let binding = bindings.binding(for: key, in: focusContext) else { return [] }
        if readOnly, binding.changesContacts {
            notices.lastError = "read-only profile (readonly = true, or --readonly): contacts cannot be changed here"
            return []
        }
        return perform(binding.action)
    }

    /// Carries out an action of the main screen (a pane's, `global` or `move`).
    mutating func perform(_ action: KeyAction) -> [AppEffect] {
        switch action {
        case .search: focus = .search
        case .help: overlay = .help; overlayScroll = 0
        case .quit: requestQuit()
        case .command: overlay = .command(LineEditor())
        case .nextPane: focus = focus.next
        case .previousPane: focus = focus.previous
        case .redraw: forceRedraw = true
        case .raw:
            detail.rawView.toggle()
            detail.rawScroll = 0
            return contact.map { [.loadExchanges($0)] } ?? []
        case .log:
            overlay = .log(selection: max(0, log.count - 1))
            return [.loadLog]
        case .refresh:
            guard let email = contact?.email else { return [] }
            notices.pending = "refreshing \(email)"
            return [.lookup(email: email, refresh: true)]
        case .save: return openSaveReview()
        case .undo: undo()
        case .editJSON:
            guard let contact else { return [] }
            return [.editExternally(LocalEditPreview.apply(edit.fields, to: contact.customFields))]
        case .copy: return copySelection()
        case .bulk: openBulk()
        case .cancelBulk: askCancelBulk()
        case .outbox: return openOutbox()
        case .copyCurl:
            // The raw view's request, to run again in a shell.
            guard detail.rawView, let last = exchanges.last else {
                notices.flash = "\(bindings.label(.copyCurl, in: .global)) copies a request as curl: in the raw view (\(bindings.label(.raw, in: .global)))"
                    + " or the request log (\(bindings.label(.log, in: .global)))"
                return []
            }
            return [.copyCurl(last)]
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            move(action)
        case .open:
            guard list.results.indices.contains(list.selection), let email = list.results[list.selection].email else { return [] }
            notices.pending = "opening \(email)"
            focus = .fields
            return [.lookup(email: email, refresh: false)]
        case .mark: list.toggleMark()
        case .markAll: toggleMarkAll()
        case .sort: notices.flash = list.cycleSort(definitions: definitions)
        case .reverseSort: notices.flash = list.reverseSort(definitions: definitions)
        case .edit, .add, .delete: return editField(action)
        case .toggle: toggleConsent()
        case .show, .close, .keepMine, .takeTheirs, .retry, .drop:
            break  // the log's and the outbox view's: never live on the main screen
        }
        return []
    }

    /// A move in the focused pane, or in the raw view when it covers the contact's panes.
    mutating func move(_ action: KeyAction) {
        if detail.rawView, focus == .detail || focus == .fields || focus == .consent {
            detail.rawScroll = Self.moved(detail.rawScroll, action, count: rawScrollLimit + 1, page: max(1, size.rows - 6)) ?? detail.rawScroll
            return
        }
        switch focus {
        case .results:
            list.selection = Self.moved(list.selection, action, count: list.results.count, page: max(1, size.rows - 8)) ?? list.selection
        case .fields:
            detail.fieldSelection = Self.moved(detail.fieldSelection, action, count: fieldRows.count, page: 5) ?? detail.fieldSelection
        case .consent:
            detail.consentSelection = Self.moved(detail.consentSelection, action, count: 2, page: 1) ?? detail.consentSelection
        case .search, .detail:
            break
        }
    }

    /// Where a move takes a position among `count` rows: `top` and `bottom` go to the first
    /// and the last, the others step and stop at either end. Nil: not a move.
    static func moved(_ position: Int, _ action: KeyAction, count: Int, page: Int) -> Int? {
        let last = max(0, count - 1)
        let from = min(max(0, position), last)
        switch action {
        case .up: return max(0, from - 1)
        case .down: return min(last, from + 1)
        case .pageUp: return max(0, from - page)
        case .pageDown: return min(last, from + page)
        case .top: return 0
        case .bottom: return last
        default: return nil
        }
    }

    /// The move a key makes in a scrolling view (the `move` context's keys), if any.
    func moveAction(_ key: KeyEvent) -> KeyAction? {
        guard let action = bindings.ownAction(for: key, in: .move), action != .redraw else { return nil }
        return action
    }

    /// How far the raw view scrolls: its last line at the bottom of the pane.
    var rawScrollLimit: Int {
        guard let last = exchanges.last else { return 0 }
        let height = Layout(size: size, wideList: list.columns.count > 1).right.height - 2
        return max(0, RawExchangeView.lines(last).count - height)
    }

    mutating func editField(_ action: KeyAction) -> [AppEffect] {
        let rows = fieldRows
        switch action {
        case .edit:
            guard rows.indices.contains(detail.fieldSelection) else { return [] }
            let row = rows[detail.fieldSelection]
            let text = row.status == .deleted ? "" : FieldValueParser.editableText(row.value)
            editing = FieldEditing(key: row.key, stage: .value, editor: LineEditor(text: text))
        case .add:
            guard contact != nil else { return [] }
            editing = FieldEditing(key: "", stage: .key, editor: LineEditor())
        case .delete:
            guard rows.indices.contains(detail.fieldSelection) else { return [] }
            overlay = .confirmDelete(key: rows[detail.fieldSelection].key)
        default:
            break
        }
        return []
    }

    mutating func toggleConsent() {
        guard contact != nil else { return }
        edit.undoStack.append(.consent(previous: edit.consent))
        let current = effectiveConsent
        let server = contact?.marketingConsent
        if detail.consentSelection == 0 {
            let flipped = !(current.email ?? false)
            edit.consent.email = flipped == server?.email ? nil : flipped
        } else {
            let flipped = !(current.whatsapp ?? false)
            edit.consent.whatsapp = flipped == server?.whatsapp ? nil : flipped
        }
    }

    /// The key of an action as the screen shows it, for messages ("O to resolve").
    func keyLabel(_ action: KeyAction, _ context: KeyContext = .global) -> String {
        bindings.label(action, in: context)
    }

    /// The status-bar hints of what has the keyboard now, from the bindings table.
    var keyHints: [KeyHint] {
        if let overlay { return overlayHints(overlay) }
        if editing != nil { return [KeyHint(key: "Enter", label: "apply"), KeyHint(key: "Esc", label: "cancel")] }
        if focus == .search {
            var hints = [KeyHint(key: "Enter", label: "look up"), KeyHint(key: "Esc", label: "leave")]
            if search.text.isEmpty, let help = bindings.keys(.help, in: .global).first { hints.insert(KeyHint(key: KeyName.display(help), label: "help"), at: 0) }
            if let pane = bindings.keys(.nextPane, in: .global).first(where: { !$0.isText }) {
                hints.append(KeyHint(key: KeyName.display(pane), label: "pane"))
            }
            return hints
        }
        return bindings.hints(in: focusContext) { condition in
            switch condition {
            case .always: true
            case .contactOpen: contact != nil
            case .listSortable: list.columns.count > 1
            case .hasMarks: !list.marks.isEmpty
            case .bulkRunning: bulk.map { !$0.isFinished } ?? false
            }
        }
    }
}

extension AppState {
    /// While something covers the panes: how to move in it and leave it (the dialogs and
    /// reviews say their own keys).
    func overlayHints(_ overlay: Overlay) -> [KeyHint] {
        func hint(_ action: KeyAction, _ context: KeyContext, _ label: String) -> KeyHint? {
            bindings.keys(action, in: context).first.map { KeyHint(key: KeyName.display($0), label: label) }
        }
        let close = KeyHint(key: "Esc", label: "close")
        switch overlay {
        case .help, .messages, .copied, .exchange:
            return [hint(.down, .move, "down"), hint(.up, .move, "up"), close].compactMap { $0 }
        case .log:
            return [hint(.show, .log, "show"), hint(.copyCurl, .log, "copy as curl"), close].compactMap { $0 }
        case .outbox:
            return [hint(.down, .move, "next"), close].compactMap { $0 }
        case .command, .bulk, .bulkPlanning:
            return [KeyHint(key: "Esc", label: "cancel")]
        case .saveReview, .bulkReview, .confirmQuit, .confirmDelete, .confirmCancelBulk:
            return []
        }
    }
}

extension KeyEvent {
    /// A printable character: text in the search box and the line editors, whatever it is
    /// bound to elsewhere.
    var isText: Bool {
        if case .character = self { return true }
        return false
    }
}
