import Foundation
import MinimoCache
import MinimoKit

/// The outbox view (every unsent edit of the profile, and the decisions on a held or refused
/// one) and the messages view (the session's notices and errors, whole).
extension OverlayViews {
    static func outbox(_ state: AppState, cursor: OutboxCursor, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let entries = state.outboxEntries
        let inner = AppView.box("Outbox · unsent edits of every minimo process on this profile", trailing: "Esc closes", focused: true, lines: lines)
            .draw(in: rect, on: &canvas)
        guard inner.height > 4 else { return }
        if entries.isEmpty {
            canvas.put(text: "Nothing unsent: the server has every edit.", line: 0, in: inner, style: .dim)
            return
        }
        // The list: a third of the height (at least 3 rows), the selected entry's details below.
        let listHeight = min(entries.count, max(3, (inner.height - 2) / 3))
        canvas.put(text: "state     age     contact                          changes", line: 0, in: inner, style: .dim)
        let top = PaneViews.scrollTop(selection: cursor.selection, height: listHeight, count: entries.count)
        for line in 0..<listHeight where top + line < entries.count {
            let entry = entries[top + line]
            let selected = top + line == cursor.selection
            let style: CellStyle = selected ? .selection : stateStyle(entry.state)
            let who = entry.email ?? entry.contactID.map { "contact \($0.rawValue)" } ?? "?"
            let changes = entry.kind == .delete ? "delete" : entry.changes.map { state.label(forPath: $0.path) }.joined(separator: ", ")
            let text = TerminalText.fit(entry.state.rawValue, columns: 9) + " " + TerminalText.fit(AppView.age(state.now.timeIntervalSince(entry.createdAt)), columns: 7)
                + " " + TerminalText.fit(TerminalText.sanitize(who), columns: 32) + " " + TerminalText.sanitize(changes)
            if selected { canvas.fill(Rect(column: inner.column, row: inner.row + 1 + line, width: inner.width, height: 1), style: style) }
            canvas.put(text: TerminalText.truncate(text, columns: inner.width), line: 1 + line, in: inner, style: style)
        }
        let ruleRow = 1 + listHeight
        canvas.put(text: String(repeating: lines.horizontal, count: inner.width), line: ruleRow, in: inner, style: .border)
        guard entries.indices.contains(cursor.selection) else { return }
        let entry = entries[cursor.selection]
        var detail: [(String, CellStyle)] = []
        func add(_ text: String, _ style: CellStyle = .normal) {
            detail += TerminalText.wrap(text, columns: inner.width).map { ($0, style) }
        }
        let who = TerminalText.sanitize(entry.email ?? "?") + (entry.contactID.map { " (contact \(TerminalText.sanitize($0.rawValue)))" } ?? "")
        var origin = "queued by this minimo"
        if let queuer = entry.queuedBy, queuer.pid != getpid() {
            origin = "queued by minimo process \(queuer.pid)"
        }
        add("#\(entry.seq) \(entry.kind.rawValue) of \(who) · \(origin) · \(entry.attempts) attempt(s)", .accent.bolded)
        switch entry.state {
        case .conflict:
            add("Held: the server changed since this edit began. Nothing was overwritten.", .warning)
        case .failed:
            add("Refused by the server" + (entry.lastStatus.map { " (HTTP \($0))" } ?? "") + ":", .danger)
            add(TerminalText.sanitize(entry.lastError ?? "no reason given"), .danger)
        case .sending:
            add(entry.claimedByOtherProcess ? "Being sent by another minimo process." : "Being sent.", .dim)
        case .pending:
            add("Queued: it goes out when the server answers and the quota allows" + (entry.priority == .background ? " (background work: after lookups and saves)." : "."), .dim)
        case .done:
            break
        }
        detail.append(("", .normal))
        // Field, when you began, on the server now, yours.
        let changes = entry.changes
        if !changes.isEmpty {
            let labelWidth = min(18, max(6, changes.map { TerminalText.displayWidth(TerminalText.sanitize(state.label(forPath: $0.path))) }.max() ?? 6))
            let valueWidth = max(8, (inner.width - labelWidth - 3) / 3)
            func cell(_ value: JSONValue?) -> String {
                TerminalText.fit(value.map { TerminalText.sanitize($0 == .null ? "(none)" : $0.jsonText) } ?? "—", columns: valueWidth)
            }
            detail.append((TerminalText.fit("field", columns: labelWidth) + " " + TerminalText.fit("when you began", columns: valueWidth) + " "
                + TerminalText.fit("on the server now", columns: valueWidth) + " " + "yours", .dim))
            for change in changes {
                let server = change.conflicting ? change.server : (entry.state == .conflict ? change.base : nil)
                let row = TerminalText.fit(TerminalText.sanitize(state.label(forPath: change.path)), columns: labelWidth) + " " + cell(change.base)
                    + " " + cell(server) + " " + TerminalText.sanitize(change.mine == .null ? "(delete)" : change.mine.jsonText)
                detail.append((TerminalText.truncate(row, columns: inner.width), change.conflicting ? .warning : .normal))
            }
        }
        detail.append(("", .normal))
        let keys: String
        switch entry.state {
        case .conflict: keys = "m keep mine (send it anyway) · t take theirs (drop mine) · e edit, starting from theirs · d drop"
        case .failed: keys = "e edit and retry · r retry as it is · d drop"
        case .pending: keys = "d drop (not sent yet)"
        case .sending, .done: keys = ""
        }
        if cursor.confirmDrop {
            add("Drop #\(entry.seq)? It is never sent; the contact is fetched again on the next look.   y: drop   any other key: keep", .danger.bolded)
        } else if !keys.isEmpty {
            add(keys, .keyHint)
        }
        let room = inner.height - ruleRow - 1
        for (index, line) in detail.prefix(max(0, room)).enumerated() {
            canvas.put(text: line.0, line: ruleRow + 1 + index, in: inner, style: line.1)
        }
    }

    static func stateStyle(_ state: OutboxEntry.State) -> CellStyle {
        switch state {
        case .conflict: .warning
        case .failed: .danger
        default: .normal
        }
    }

    static func messages(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let inner = AppView.box("Messages of this session · oldest first", trailing: "\(state.notices.messages.count) · Esc closes", focused: true, lines: lines)
            .draw(in: rect, on: &canvas)
        guard inner.height > 0 else { return }
        if state.notices.messages.isEmpty {
            canvas.put(text: "No message yet.", line: 0, in: inner, style: .dim)
            return
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        var rows: [(String, CellStyle)] = []
        let start = min(max(0, state.overlayScroll), state.notices.messages.count - 1)
        for message in state.notices.messages[start...] {
            let prefix = formatter.string(from: message.at) + (message.isError ? "  error: " : "  ")
            let wrapped = TerminalText.wrap(prefix + TerminalText.sanitize(message.text), columns: inner.width)
            rows += wrapped.map { ($0, message.isError ? CellStyle.danger : .normal) }
            if rows.count >= inner.height { break }
        }
        for (index, row) in rows.prefix(inner.height).enumerated() { canvas.put(text: row.0, line: index, in: inner, style: row.1) }
    }
}
