import Foundation
import MinimoKit

/// One exchange as it crossed the wire: status, timing, quota, headers (the key masked by the
/// client core before it was ever stored), and the body as pretty, coloured JSON.
enum RawExchangeView {
    /// The lines of an exchange, for any height: the caller scrolls.
    static func lines(_ exchange: RawExchange) -> [JSONLines.Line] {
        typealias Span = JSONLines.Span
        var output: [JSONLines.Line] = []
        let status = exchange.status.map(String.init) ?? "no answer"
        let statusStyle: CellStyle = switch exchange.status ?? 0 {
        case 200..<300: .success
        case 400..<500: .warning
        default: .danger
        }
        var summary = [
            Span(text: "\(exchange.method) ", style: .accent.bolded),
            Span(text: TerminalText.sanitize(exchange.path), style: .normal),
            Span(text: " → ", style: .dim),
            Span(text: status, style: statusStyle.bolded),
            Span(text: String(format: " · %.0f ms", exchange.duration * 1000), style: .dim),
        ]
        if let quota = exchange.quotaAfter { summary.append(Span(text: " · quota \(quota.remaining)/\(quota.limit)", style: .dim)) }
        if exchange.attempt > 1 { summary.append(Span(text: " · attempt \(exchange.attempt)", style: .warning)) }
        output.append(summary)
        if let error = exchange.error { output.append([Span(text: "error: " + TerminalText.sanitize(error), style: .danger)]) }
        output.append([Span(text: "", style: .normal)])
        output.append([Span(text: "Request headers", style: .accent.bolded)])
        for header in exchange.requestHeaders {
            output.append([Span(text: "  " + TerminalText.sanitize(header.name) + ": ", style: .dim), Span(text: TerminalText.sanitize(header.value), style: .normal)])
        }
        if let body = exchange.requestBody, !body.isEmpty {
            output.append([Span(text: "Request body", style: .accent.bolded)])
            output += JSONLines.body(body)
        }
        output.append([Span(text: "", style: .normal)])
        output.append([Span(text: "Response headers", style: .accent.bolded)])
        for header in exchange.responseHeaders {
            output.append([Span(text: "  " + TerminalText.sanitize(header.name) + ": ", style: .dim), Span(text: TerminalText.sanitize(header.value), style: .normal)])
        }
        output.append([Span(text: "Response body (\(exchange.responseBody.count) bytes)", style: .accent.bolded)])
        output += JSONLines.body(exchange.responseBody)
        return output
    }

    static func draw(_ exchange: RawExchange?, scroll: Int, title: String, in rect: Rect, focused: Bool, lines: LineDrawing, on canvas: inout some Canvas) {
        let trailing = exchange.map { "\($0.status.map(String.init) ?? "—") · " + String(format: "%.0f ms", $0.duration * 1000) } ?? ""
        let inner = AppView.box(title, trailing: trailing, focused: focused, lines: lines).draw(in: rect, on: &canvas)
        guard inner.height > 0 else { return }
        guard let exchange else {
            canvas.put(text: "No exchange recorded for this contact yet (R fetches it).", line: 0, in: inner, style: .dim)
            return
        }
        let all = Self.lines(exchange)
        let top = min(max(0, scroll), max(0, all.count - inner.height))
        for line in 0..<inner.height where top + line < all.count {
            JSONLines.draw(all[top + line], row: inner.row + line, in: inner, on: &canvas)
        }
    }

    static func pane(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        draw(state.exchanges.last, scroll: state.detail.rawScroll, title: "Raw · \(state.keyLabel(.raw)) to close · \(state.keyLabel(.copy)) copies the body", in: rect,
             focused: state.focus != .search && state.focus != .results, lines: lines, on: &canvas)
    }
}

enum OverlayViews {
    static func render(_ overlay: Overlay, state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) -> (row: Int, column: Int)? {
        switch overlay {
        case .help:
            help(state, in: rect, lines: lines, on: &canvas)
        case .saveReview:
            saveReview(state, in: rect, lines: lines, on: &canvas)
        case .confirmQuit:
            var text: [String] = []
            if state.hasUnsavedChanges {
                text += ["You have \(state.unsavedCount) unsaved change(s).",
                         "Quitting keeps them as a draft, offered again when you", "open the contact next time; nothing is sent without review.", ""]
            }
            if let bulk = state.bulk, !bulk.isFinished {
                text += ["A bulk edit is being sent (\(bulk.sent)/\(bulk.total)).",
                         "The \(bulk.unsent) not sent stay queued, and go out the next time", "minimo starts on this profile (X cancels them instead).", ""]
            }
            dialog(text + ["y or q: quit    any other key: stay"], title: "Quit?", in: rect, lines: lines, on: &canvas)
        case .confirmDelete(let key):
            dialog(["Delete the custom field \(TerminalText.sanitize(key))?", "It is removed when you save (sent as null).", "",
                    "y or Enter: delete    any other key: keep"], title: "Delete field", in: rect, lines: lines, on: &canvas)
        case .log(let selection):
            log(state, selection: selection, in: rect, lines: lines, on: &canvas)
        case .exchange(let exchange):
            RawExchangeView.draw(exchange, scroll: state.overlayScroll, title: "Exchange · Esc back · y copies the body", in: rect,
                                 focused: true, lines: lines, on: &canvas)
        case .bulk(let editing):
            return bulk(editing, state: state, in: rect, lines: lines, on: &canvas)
        case .bulkPlanning(let change):
            dialog(["Reading the cache for: " + TerminalText.sanitize(change.summary) + "…", "", "Esc: back"], title: "Bulk edit",
                   in: rect, lines: lines, on: &canvas)
        case .bulkReview(let plan):
            bulkReview(plan, state: state, in: rect, lines: lines, on: &canvas)
        case .confirmCancelBulk:
            confirmCancelBulk(state, in: rect, lines: lines, on: &canvas)
        case .outbox(let cursor):
            outbox(state, cursor: cursor, in: rect, lines: lines, on: &canvas)
        case .messages:
            messages(state, in: rect, lines: lines, on: &canvas)
        case .copied(let text):
            let inner = AppView.box("Copied · this terminal does not take OSC 52: select the text below", trailing: "any key closes", focused: true, lines: lines)
                .draw(in: rect, on: &canvas)
            var rows = ["(in tmux: set -g set-clipboard on, and y or C copies straight to the clipboard)", ""]
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                rows += TerminalText.wrap(TerminalText.sanitize(String(line)), columns: max(1, inner.width))
            }
            for (index, row) in rows.dropFirst(min(state.overlayScroll, max(0, rows.count - 1))).prefix(inner.height).enumerated() {
                canvas.put(text: row, line: index, in: inner, style: index < 2 && state.overlayScroll == 0 ? .dim : .normal)
            }
        case .command(let editor):
            let row = Rect(column: rect.column, row: rect.maxRow - 1, width: rect.width, height: 1)
            canvas.fill(row, style: .normal)
            canvas.put(text: ":", row: row.row, column: 0, style: .accent.bolded)
            let visible = editor.visible(width: max(1, rect.width - 1))
            canvas.put(text: visible.text, row: row.row, column: 1)
            return (row.row, 1 + visible.cursorColumn)
        }
        return nil
    }

    /// The help's rows for a box `width` columns wide: (keys, what they do, is a heading), from
    /// the bindings in effect, each text wrapped under itself.
    static func helpRows(_ bindings: Bindings, width: Int) -> [(keys: String, help: String, heading: Bool)] {
        let sections = bindings.helpSections
        let keyWidth = helpKeyWidth(sections, width: width)
        var rows: [(keys: String, help: String, heading: Bool)] = []
        for section in sections {
            rows.append((section.title, "", true))
            for row in section.rows {
                let wrapped = TerminalText.wrap(row.help, columns: max(10, width - keyWidth - 4))
                for (index, line) in wrapped.enumerated() { rows.append((index == 0 ? row.keys : "", line, false)) }
            }
            rows.append(("", "", false))
        }
        return rows
    }

    static func helpKeyWidth(_ sections: [(title: String, rows: [(keys: String, help: String)])], width: Int) -> Int {
        min(max(10, width / 3), sections.flatMap(\.rows).map { TerminalText.displayWidth($0.keys) }.max() ?? 10)
    }

    static func help(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let inner = AppView.box("Help · the keys in effect (minimo keys prints them) · Esc closes", focused: true, lines: lines).draw(in: rect, on: &canvas)
        let rows = helpRows(state.bindings, width: inner.width)
        let keyWidth = helpKeyWidth(state.bindings.helpSections, width: inner.width)
        let top = min(state.overlayScroll, max(0, rows.count - inner.height))
        for line in 0..<inner.height where top + line < rows.count {
            let row = rows[top + line]
            if row.heading {
                canvas.put(text: row.keys, line: line, in: inner, style: .accent.bolded)
            } else {
                canvas.put(text: TerminalText.truncate(row.keys, columns: keyWidth), line: line, in: inner, offset: 2, style: .keyHint)
                canvas.put(text: row.help, line: line, in: inner, offset: keyWidth + 4)
            }
        }
    }

    /// Old → new for each change of the review: what the screen showed, what will be sent.
    static func reviewChanges(_ state: AppState) -> [String] {
        guard let contact = state.contact else { return [] }
        let update = state.pendingUpdate
        var rows: [String] = []
        for key in update.customFields.keys.sorted() {
            let old = contact.customFields[key].map { TerminalText.sanitize($0.jsonText) } ?? "(none)"
            let new = update.customFields[key] == .null ? "(deleted)" : TerminalText.sanitize(update.customFields[key]!.jsonText)
            rows.append("\(TerminalText.sanitize(state.label(forPath: "customFields." + key))): \(old) → \(new)")
        }
        func consent(_ value: Bool?) -> String { value.map { $0 ? "opted in" : "opted out" } ?? "unknown" }
        if let email = update.marketingConsent.email {
            rows.append("email consent: \(consent(contact.marketingConsent?.email)) → \(consent(email))")
        }
        if let whatsapp = update.marketingConsent.whatsapp {
            rows.append("WhatsApp consent: \(consent(contact.marketingConsent?.whatsapp)) → \(consent(whatsapp))")
        }
        return rows
    }

    static func saveReview(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let width = min(rect.width - 4, 90)
        let changes = reviewChanges(state)
        let body = JSONLines.lines(state.pendingUpdate.json)
        let height = min(rect.height - 2, body.count + changes.count + 7)
        let box = Rect(column: rect.column + (rect.width - width) / 2, row: rect.row + max(0, (rect.height - height) / 2), width: width, height: height)
        let id = state.contact?.id.rawValue ?? "?"
        let inner = AppView.box("Review: PUT /contacts/\(TerminalText.sanitize(id))", trailing: "y send · n back", focused: true, lines: lines)
            .draw(in: box, on: &canvas)
        for (index, change) in changes.enumerated() where index < inner.height - 2 {
            canvas.put(text: TerminalText.truncate(change, columns: inner.width), line: index, in: inner, style: .warning)
        }
        let jsonTop = changes.count + 1
        canvas.put(text: "This exact JSON will be sent (only what changed; null deletes a field):", line: jsonTop, in: inner, style: .dim)
        for (index, line) in body.enumerated() where jsonTop + index + 2 < inner.height - 1 {
            JSONLines.draw(line, row: inner.row + jsonTop + 2 + index, in: inner, on: &canvas)
        }
        canvas.put(text: "y: send   n or Esc: back to editing", line: inner.height - 1, in: inner, style: .keyHint)
    }

    static func dialog(_ text: [String], title: String, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let width = min(rect.width - 4, max(44, (text.map { TerminalText.displayWidth($0) }.max() ?? 40) + 4))
        let height = text.count + 2
        let box = Rect(column: rect.column + (rect.width - width) / 2, row: rect.row + max(0, (rect.height - height) / 2), width: width, height: height)
        let inner = AppView.box(title, focused: true, lines: lines).draw(in: box, on: &canvas)
        for (index, line) in text.enumerated() { canvas.put(text: line, line: index, in: inner, offset: 1) }
    }

    static func log(_ state: AppState, selection: Int, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let inner = AppView.box("Request log · Enter shows one · Esc closes", trailing: "\(state.log.count) exchanges", focused: true, lines: lines)
            .draw(in: rect, on: &canvas)
        guard inner.height > 1 else { return }
        canvas.put(text: "time      method  status     ms  quota    path", line: 0, in: inner, style: .dim)
        let height = inner.height - 1
        let top = PaneViews.scrollTop(selection: selection, height: height, count: state.log.count)
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        for line in 0..<height where top + line < state.log.count {
            let exchange = state.log[top + line]
            let selected = top + line == selection
            let status = exchange.status.map(String.init) ?? "ERR"
            let quota = exchange.quotaAfter.map { "\($0.remaining)/\($0.limit)" } ?? "—"
            let text = "\(formatter.string(from: exchange.startedAt))  \(exchange.method.padding(toLength: 6, withPad: " ", startingAt: 0))  \(status.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(format: "%5.0f", exchange.duration * 1000))  \(quota.padding(toLength: 7, withPad: " ", startingAt: 0))  \(TerminalText.sanitize(exchange.path))"
            let style: CellStyle = selected ? .selection : ((exchange.status ?? 500) >= 400 ? .warning : .normal)
            if selected { canvas.fill(Rect(column: inner.column, row: inner.row + 1 + line, width: inner.width, height: 1), style: style) }
            canvas.put(text: text, line: line + 1, in: inner, style: style)
        }
    }
}
