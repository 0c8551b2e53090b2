import Foundation
import MinimoCache
import MinimoKit

/// The bulk-edit overlays: the menu and its key/value prompts, the planning notice, the review
/// (what it costs, and the JSON each contact receives) and the cancel question.
extension OverlayViews {
    static func bulk(_ editing: BulkEditing, state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas)
        -> (row: Int, column: Int)?
    {
        let title = "Bulk edit · \(state.list.marks.count) marked contact(s)"
        switch editing.stage {
        case .menu:
            dialog(
                [
                    "f  set a custom field", "x  unset (delete) a custom field", "e  email consent: opt in      E  opt out",
                    "w  WhatsApp consent: opt in   W  opt out", "",
                    "Nothing is sent before the review. Esc: back",
                ], title: title, in: rect, lines: lines, on: &canvas)
            return nil
        case .key, .value:
            let prompt: String
            var text: [String] = []
            switch editing.stage {
            case .key(let setting):
                prompt = setting ? "field to set: " : "field to unset: "
            case .value(let key):
                let type = state.definition(for: key).map { " (\(TerminalText.sanitize("\($0.type)")))" } ?? ""
                prompt = "\(TerminalText.sanitize(key))\(type) = "
            case .menu:
                prompt = ""
            }
            text.append(String(repeating: " ", count: 50))
            text.append(editing.error.map { "⚠ " + TerminalText.sanitize($0) } ?? "")
            if case .key = editing.stage, !state.definitions.isEmpty {
                let known = state.definitions.prefix(8).map { TerminalText.sanitize($0.key) }.joined(separator: ", ")
                text.append("fields: " + TerminalText.truncate(known, columns: 60))
            }
            text.append("Enter: next   Esc: back")
            let width = min(rect.width - 4, 72)
            let height = text.count + 2
            let box = Rect(
                column: rect.column + (rect.width - width) / 2, row: rect.row + max(0, (rect.height - height) / 2), width: width,
                height: height)
            let inner = AppView.box(title, focused: true, lines: lines).draw(in: box, on: &canvas)
            for (index, line) in text.enumerated() where index > 0 {
                canvas.put(text: line, line: index, in: inner, offset: 1, style: index == 1 ? .danger : .dim)
            }
            canvas.put(text: prompt, line: 0, in: inner, offset: 1, style: .accent)
            let offset = 1 + TerminalText.displayWidth(prompt)
            let visible = editing.editor.visible(width: max(1, inner.width - offset))
            canvas.put(text: visible.text, line: 0, in: inner, offset: offset, style: CellStyle(.normal, underline: true))
            return (inner.row, inner.column + offset + visible.cursorColumn)
        }
    }

    static func bulkReview(_ plan: BulkPlan, state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let width = min(rect.width - 2, 110)
        let box = Rect(column: rect.column + (rect.width - width) / 2, row: rect.row, width: width, height: rect.height)
        let inner = AppView.box("Review bulk edit: " + TerminalText.sanitize(plan.change.summary), trailing: "y queue · n back", focused: true, lines: lines)
            .draw(in: box, on: &canvas)
        guard inner.height > 4 else { return }
        let eta = QuotaETA(
            requests: plan.requests, quota: state.shared.quota?.snapshot, reserve: state.shared.backgroundReserve, now: state.now,
            observedWindow: state.shared.observedWindow)
        var head: [(String, CellStyle)] = []
        func add(_ text: String, _ style: CellStyle) {
            head += TerminalText.wrap(text, columns: inner.width).map { ($0, style) }
        }
        add("\(plan.items.count) contact(s) · \(plan.requests) request(s): one PUT /contacts/{id} each, at background priority", .accent.bolded)
        add("\(plan.unchanged) unchanged (their cached copy already holds it: skipped)"
                + (plan.skipped > 0 ? " · \(plan.skipped) skipped (deleted or no longer cached)" : "")
                + (plan.toCheck > 0 ? " · \(plan.toCheck) sent to be sure (cached copy older than the TTL)" : ""), .normal)
        add("ETA: " + eta.explained, .normal)
        add("Sent without a conflict check: the value is set whatever the contact held. Each contact will receive:", .dim)
        for (index, line) in head.enumerated() { canvas.put(text: line.0, line: index, in: inner, style: line.1) }
        let listTop = head.count
        let listHeight = inner.height - listTop - 1
        let emailWidth = min(36, max(12, plan.items.map { TerminalText.displayWidth(TerminalText.sanitize($0.email ?? "")) }.max() ?? 12))
        let top = min(state.overlayScroll, max(0, plan.items.count - listHeight))
        for line in 0..<max(0, listHeight) where top + line < plan.items.count {
            let item = plan.items[top + line]
            let email = TerminalText.fit(TerminalText.sanitize(item.email ?? "#\(item.id.rawValue)"), columns: emailWidth)
            canvas.put(text: email, line: listTop + line, in: inner, offset: 1)
            let text: String
            let style: CellStyle
            switch item.outcome {
            case .send(let update):
                text = "PUT /contacts/\(TerminalText.sanitize(item.id.rawValue))  " + TerminalText.sanitize(update.json.jsonText)
                style = .warning
            case .unchanged:
                text = "unchanged: 0 requests"
                style = .dim
            case .skipped(let why):
                text = "skipped: " + why
                style = .dim
            }
            canvas.put(text: TerminalText.truncate(text, columns: max(1, inner.width - emailWidth - 3)), line: listTop + line, in: inner, offset: emailWidth + 3, style: style)
        }
        let more = plan.items.count > listHeight ? "   ↑↓ PgUp PgDn: scroll (\(top + 1)–\(min(plan.items.count, top + listHeight)) of \(plan.items.count))" : ""
        canvas.put(text: "y: queue them   n or Esc: back" + more, line: inner.height - 1, in: inner, style: .keyHint)
    }

    static func confirmCancelBulk(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let run = state.bulk
        dialog(
            [
                "Cancel the bulk edit\(run?.summary.map { " (" + TerminalText.sanitize($0) + ")" } ?? "")?",
                "\(run?.unsent ?? 0) update(s) not sent yet are dropped; the \(run?.sent ?? 0) sent stay.",
                "Up to \(BulkRunner.concurrency) already on their way still go out.", "",
                "y: cancel it    any other key: let it run",
            ], title: "Cancel bulk edit", in: rect, lines: lines, on: &canvas)
    }
}
