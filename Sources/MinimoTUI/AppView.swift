import Foundation
import MinimoCache
import MinimoKit

/// Draws the whole screen from the state. Returns where the terminal cursor belongs (in an
/// editor), or nil to hide it.
public enum AppView {
    @discardableResult
    public static func render(_ state: AppState, on canvas: inout some Canvas) -> (row: Int, column: Int)? {
        canvas.clear()
        let layout = Layout(size: state.size, wideList: state.list.columns.count > 1)
        let lines = LineDrawing.choose(unicode: state.unicodeLines)
        guard layout.isUsable else {
            // Wrapped and centred: on a 20×10 terminal the whole sentence must still show.
            let message = TerminalText.wrap(layout.tooSmallMessage + ". Resize, or Ctrl-C to quit.", columns: state.size.columns)
            let top = max(0, (state.size.rows - message.count) / 2)
            for (index, line) in message.prefix(state.size.rows).enumerated() {
                let column = max(0, (state.size.columns - TerminalText.displayWidth(line)) / 2)
                canvas.put(text: line, row: top + index, column: column, style: .warning)
            }
            return nil
        }
        var cursor: (row: Int, column: Int)?
        cursor = PaneViews.search(state, in: layout.search, lines: lines, on: &canvas) ?? cursor
        PaneViews.results(state, in: layout.results, lines: lines, on: &canvas)
        if state.detail.rawView {
            RawExchangeView.pane(state, in: layout.right, lines: lines, on: &canvas)
        } else {
            PaneViews.detail(state, in: layout.detail, lines: lines, on: &canvas)
            if let fieldCursor = PaneViews.fields(state, in: layout.fields, lines: lines, on: &canvas) { cursor = fieldCursor }
            PaneViews.consent(state, in: layout.consent, lines: lines, on: &canvas)
        }
        statusBar(state).render(on: &canvas, row: layout.status.row, now: state.now)
        if let overlay = state.overlay {
            if let overlayCursor = OverlayViews.render(overlay, state: state, in: layout.main, lines: lines, on: &canvas) {
                return overlayCursor
            }
            return nil
        }
        return cursor
    }

    static func statusBar(_ state: AppState) -> StatusBar {
        let hints = state.keyHints
        var bar = StatusBar(
            profile: state.profile, host: state.host, isDemo: state.isDemo, isOnline: state.shared.online, quota: state.shared.quota,
            unsavedEdits: state.unsavedCount, unsentEdits: state.shared.unsentEdits, lastError: state.notices.lastError, hints: hints)
        bar.notice = state.notices.pending.map { TerminalText.sanitize($0) + "…" } ?? state.notices.flash
        bar.marked = state.list.marks.count
        bar.label = state.profileLabel
        bar.readOnly = state.readOnly
        bar.bulkProgress = state.bulk.map {
            $0.progress(now: state.now, quota: state.shared.quota, reserve: state.shared.backgroundReserve, observedWindow: state.shared.observedWindow)
        }
        // The bulk edit's own entries are counted in its progress, not again as unsent.
        if let bulk = state.bulk { bar.unsentEdits = max(0, bar.unsentEdits - bulk.unsent) }
        return bar
    }

    static func box(_ title: String, trailing: String = "", focused: Bool, lines: LineDrawing) -> Box {
        Box(title: title, trailingTitle: trailing, style: focused ? .accent : .border, lines: lines)
    }

    /// "3 s", "4 min", "2 h": the age of a cached copy.
    static func age(_ seconds: TimeInterval) -> String {
        let value = max(0, Int(seconds))
        if value < 60 { return "\(value) s" }
        if value < 3600 { return "\(value / 60) min" }
        return "\(value / 3600) h"
    }
}

enum PaneViews {
    static func search(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) -> (row: Int, column: Int)? {
        let focused = state.focus == .search && state.overlay == nil && state.editing == nil
        let inner = AppView.box("Search email", trailing: focused ? "Enter: look up" : "/", focused: focused, lines: lines)
            .draw(in: rect, on: &canvas)
        guard inner.width > 0 else { return nil }
        if state.search.text.isEmpty && !focused {
            canvas.put(text: "press / and type part of an email", line: 0, in: inner, style: .dim)
            return nil
        }
        let visible = state.search.visible(width: inner.width)
        canvas.put(text: visible.text, line: 0, in: inner)
        return focused ? (inner.row, inner.column + visible.cursorColumn) : nil
    }

    static func results(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let focused = state.focus == .results && state.overlay == nil
        let trailing = state.list.marks.isEmpty ? state.list.countLabel : "\(state.list.countLabel) · \(state.list.marks.count) marked"
        let inner = AppView.box("Contacts", trailing: trailing, focused: focused, lines: lines).draw(in: rect, on: &canvas)
        guard inner.height > 0 else { return }
        if state.list.results.isEmpty, let failure = state.notices.lookupFailure, failure.email == state.search.text {
            let text = "Lookup failed: " + TerminalText.sanitize(failure.message)
            for (index, line) in TerminalText.wrap(text, columns: inner.width).prefix(inner.height).enumerated() {
                canvas.put(text: line, line: index, in: inner, style: .danger)
            }
            return
        }
        if state.list.results.isEmpty {
            let hint = state.search.text.isEmpty
                ? ["No cached contacts yet.", "Type a full email and Enter", "to look it up, or :sync."]
                : ["No cached match.", "Enter looks the exact", "email up on the API."]
            for (index, line) in hint.enumerated() { canvas.put(text: line, line: index, in: inner, style: .dim) }
            return
        }
        if state.list.columns != [.email], inner.height > 1 {
            table(state, inner: inner, focused: focused, on: &canvas)
            return
        }
        let top = scrollTop(selection: state.list.selection, height: inner.height, count: state.list.results.count)
        for line in 0..<inner.height {
            let index = top + line
            guard state.list.results.indices.contains(index) else { break }
            let summary = state.list.results[index]
            let selected = index == state.list.selection
            let style: CellStyle = selected ? (focused ? .selection : CellStyle(.normal, reverse: true)) : .normal
            let open = summary.id == state.contact?.id ? "›" : " "
            let marked = state.list.marks.contains(summary.id)
            let text = open + (state.list.marks.isEmpty ? "" : " ") + TerminalText.sanitize(summary.email ?? "(no email) #\(summary.id.rawValue)")
            if selected { canvas.fill(Rect(column: inner.column, row: inner.row + line, width: inner.width, height: 1), style: style) }
            canvas.put(text: text, line: line, in: inner, style: style)
            // The mark sits between the open marker and the address, in its own colour.
            if marked { canvas.put(text: "*", line: line, in: inner, offset: 1, style: selected ? style.bolded : .accent.bolded) }
        }
    }

    /// The first visible index so that `selection` stays on screen.
    static func scrollTop(selection: Int, height: Int, count: Int) -> Int {
        guard height > 0, count > height else { return 0 }
        return min(max(0, selection - height + 1 + min(height / 3, 2)), count - height, max(0, selection))
    }

    static func detail(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let focused = state.focus == .detail && state.overlay == nil
        guard let contact = state.contact else {
            let inner = AppView.box("Contact", focused: focused, lines: lines).draw(in: rect, on: &canvas)
            canvas.put(text: state.notices.pending.map { TerminalText.sanitize($0) + "…" } ?? "No contact open.", line: 0, in: inner, style: .dim)
            return
        }
        var trailing = ""
        if let source = state.detail.source, let fetchedAt = state.detail.fetchedAt {
            let age = AppView.age(state.now.timeIntervalSince(fetchedAt))
            switch source {
            case .network: trailing = "from API · \(age) ago"
            case .freshCache: trailing = "cached · \(age) old"
            case .staleCache: trailing = "STALE · \(age) old · revalidating"
            }
        }
        switch state.detail.externalChange {
        case .reloaded?: trailing = "updated by another process · " + trailing
        case .held?: trailing = "changed elsewhere · your edits kept"
        case nil: break
        }
        let inner = AppView.box("Contact #\(contact.id.rawValue)", trailing: trailing, focused: focused, lines: lines)
            .draw(in: rect, on: &canvas)
        var rows: [(String, String, CellStyle)] = [
            ("email", contact.email ?? "—", .normal),
            ("phone", contact.phone ?? "—", .normal),
            ("status", [contact.status, contact.source.map { "source \($0)" }].compactMap { $0 }.joined(separator: " · "), .normal),
        ]
        if contact.deleted { rows.append(("deleted", "yes (soft-deleted; an update restores it)", .danger)) }
        let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
        if !name.isEmpty { rows.append(("name", name, .normal)) }
        if let company = contact.company { rows.append(("company", company.jsonText, .normal)) }
        var other: [String] = []
        if let external = contact.externalID { other.append("external id \(external)") }
        if let created = contact.createdAt { other.append("created \(created)") }
        if let updated = contact.updatedAt { other.append("updated \(updated)") }
        // The fields no wire name spells (one list, in MinimoKit: `ContactWireField`).
        let extra = contact.otherFields
        for key in extra.keys.sorted() { other.append("\(key) \(extra[key]!.jsonText)") }
        if !other.isEmpty { rows.append(("other", other.joined(separator: " · "), .dim)) }
        for (index, row) in rows.enumerated() where index < inner.height {
            canvas.put(text: row.0, line: index, in: inner, style: .dim)
            canvas.put(text: TerminalText.sanitize(row.1), line: index, in: inner, offset: 9, style: row.2)
        }
    }

    static func fields(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) -> (row: Int, column: Int)? {
        let focused = state.focus == .fields && state.overlay == nil
        let rows = state.fieldRows
        let changes = state.edit.fields.count
        let trailing = changes > 0 ? "\(changes) unsaved · \(state.keyLabel(.save)) to review" : "\(rows.count)"
        let inner = AppView.box("Custom fields", trailing: trailing, focused: focused, lines: lines).draw(in: rect, on: &canvas)
        guard inner.height > 0 else { return nil }
        guard state.contact != nil else {
            canvas.put(text: "Open a contact to see its custom fields.", line: 0, in: inner, style: .dim)
            return nil
        }
        var cursor: (row: Int, column: Int)?
        var editingLines = 0
        if let editing = state.editing, editing.stage == .key {
            editingLines = 1
            let label = "new field key: "
            canvas.put(text: label, line: 0, in: inner, style: .accent)
            let visible = editing.editor.visible(width: max(1, inner.width - label.count))
            canvas.put(text: visible.text, line: 0, in: inner, offset: label.count)
            cursor = (inner.row, inner.column + label.count + visible.cursorColumn)
            if let error = editing.error { canvas.put(text: "  " + error, line: 1, in: inner, style: .danger); editingLines = 2 }
        }
        if rows.isEmpty && editingLines == 0 {
            canvas.put(text: "No custom fields. a adds one.", line: 0, in: inner, style: .dim)
        }
        let labelWidth = min(max(8, rows.map { TerminalText.displayWidth(TerminalText.sanitize($0.label)) }.max() ?? 8), inner.width / 3)
        let height = inner.height - editingLines
        let top = scrollTop(selection: state.detail.fieldSelection, height: height, count: rows.count)
        for line in 0..<height {
            let index = top + line
            guard rows.indices.contains(index) else { break }
            let row = rows[index]
            let y = line + editingLines
            let selected = index == state.detail.fieldSelection && focused
            let marker: (String, CellStyle) = switch row.status {
            case .unchanged: (" ", .normal)
            case .changed: ("*", .warning)
            case .added: ("+", .success)
            case .deleted: ("-", .danger)
            }
            canvas.put(text: marker.0, line: y, in: inner, style: marker.1.bolded)
            let labelStyle: CellStyle = selected ? .selection : .dim
            canvas.put(text: TerminalText.fit(TerminalText.sanitize(row.label), columns: labelWidth), line: y, in: inner, offset: 1, style: labelStyle)
            let valueColumn = labelWidth + 2
            if let editing = state.editing, editing.stage == .value, editing.key == row.key {
                let width = max(1, inner.width - valueColumn)
                let visible = editing.editor.visible(width: width)
                canvas.fill(Rect(column: inner.column + valueColumn, row: inner.row + y, width: width, height: 1), style: CellStyle(.normal, underline: true))
                canvas.put(text: visible.text, line: y, in: inner, offset: valueColumn, style: CellStyle(.normal, underline: true))
                cursor = (inner.row + y, inner.column + valueColumn + visible.cursorColumn)
                if let error = editing.error, line + 1 < height {
                    canvas.put(text: "  " + error, line: y + 1, in: inner, offset: valueColumn, style: .danger)
                }
                continue
            }
            // The type is the server's word (an unknown one is kept as sent): sanitised and cut.
            let type = row.definition.map { " " + TerminalText.truncate(TerminalText.sanitize("\($0.type)"), columns: 12) } ?? ""
            let typeWidth = TerminalText.displayWidth(type)
            let valueText = row.status == .deleted ? "(deleted on save)" : TerminalText.sanitize(row.value.jsonText)
            let valueStyle: CellStyle = row.status == .deleted ? .danger : (row.status == .unchanged ? .normal : .warning)
            var end = canvas.put(text: valueText, row: inner.row + y, column: inner.column + valueColumn, style: valueStyle, limit: inner.maxColumn - typeWidth)
            // A value that is not on the server yet says so where it is shown.
            if row.status == .unchanged, let mark = unsentMark(state, key: row.key) {
                end = canvas.put(text: "  " + mark.0, row: inner.row + y, column: end, style: mark.1, limit: inner.maxColumn - typeWidth)
            }
            if !type.isEmpty, end < inner.maxColumn - typeWidth { canvas.put(text: type, line: y, in: inner, offset: inner.width - typeWidth, style: .dim) }
        }
        // An edit in progress on a new key that is not yet a row.
        if let editing = state.editing, editing.stage == .value, !rows.contains(where: { $0.key == editing.key }) {
            let y = min(inner.height - 1, rows.count + editingLines)
            let label = TerminalText.sanitize(editing.key) + " = "
            canvas.put(text: label, line: y, in: inner, style: .accent)
            let visible = editing.editor.visible(width: max(1, inner.width - TerminalText.displayWidth(label)))
            canvas.put(text: visible.text, line: y, in: inner, offset: TerminalText.displayWidth(label))
            cursor = (inner.row + y, inner.column + TerminalText.displayWidth(label) + visible.cursorColumn)
            if let error = editing.error, y + 1 < inner.height { canvas.put(text: "  " + error, line: y + 1, in: inner, style: .danger) }
        }
        return cursor
    }

    /// `⚠ conflict (server: "theirs")`, `✗ refused`, `⏳ unsent`: the state of the open contact's
    /// unsent edit of this field, if any (ASCII marks where the locale is not UTF-8).
    static func unsentMark(_ state: AppState, key: String) -> (String, CellStyle)? {
        guard let (entry, change) = state.unsentChange(ofField: key) else { return nil }
        let unicode = state.unicodeLines
        switch entry.state {
        case .conflict:
            let server = change.server.map { " (server: " + TerminalText.sanitize($0 == .null ? "none" : $0.jsonText) + ")" } ?? ""
            return ((unicode ? "⚠ conflict" : "! conflict") + server + " · O", .warning.bolded)
        case .failed:
            return ((unicode ? "✗ refused" : "x refused") + " · O", .danger.bolded)
        case .pending, .sending:
            return (unicode ? "⏳ unsent" : "~ unsent", .dim)
        case .done:
            return nil
        }
    }
}
