import Foundation
import MinimoCache
import MinimoKit

/// Marks and bulk edits: `m` marks the selected contact, `M` everything the list shows, `b`
/// chooses a change for the marked contacts, the review says what it costs, `y` queues it at
/// background priority; the status bar follows it, `X` cancels what has not gone out.
extension AppState {
    /// `M`: marks everything the list shows (again: unmarks it), saying so.
    mutating func toggleMarkAll() {
        guard !list.results.isEmpty else { return }
        if list.toggleMarkAll() {
            notices.flash = list.markingAll
                ? "\(list.marks.count) marked, reading the other matches to mark them too"
                : "\(list.marks.count) marked: \(keyLabel(.bulk)) for a bulk edit"
        } else {
            notices.flash = "unmarked the \(list.results.count) shown; \(list.marks.count) still marked"
        }
    }

    /// `b`: the bulk-edit menu, for the marked contacts.
    mutating func openBulk() {
        guard !list.marks.isEmpty else {
            notices.flash = "no contact marked: \(keyLabel(.mark, .list)) marks the selected one, \(keyLabel(.markAll, .list)) all shown"
            return
        }
        if let bulk, !bulk.isFinished {
            notices.lastError = "a bulk edit is still being sent (\(bulk.sent)/\(bulk.total)): wait for it, or \(keyLabel(.cancelBulk)) to cancel it"
            return
        }
        overlay = .bulk(BulkEditing())
    }

    /// `X`: asks before cancelling the running bulk edit.
    mutating func askCancelBulk() {
        guard let bulk, !bulk.isFinished else {
            notices.flash = "no bulk edit is being sent"
            return
        }
        overlay = .confirmCancelBulk
    }

    /// The field a bulk edit names: a definition's key matched by key or display name
    /// (ignoring case); any other single word is taken as a key as typed.
    func bulkFieldKey(_ text: String) -> Result<String, BulkFailure> {
        let typed = text.trimmingCharacters(in: .whitespaces)
        if let definition = definitionNamed(typed) { return .success(definition.key) }
        guard !typed.isEmpty, !typed.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            return .failure(BulkFailure("a key is a single word, like plan or signup_date"))
        }
        return .success(typed)
    }

    func definitionNamed(_ text: String) -> CustomFieldDefinition? {
        definitions.first { $0.matches(key: text) } ?? definitions.first { $0.displayName.lowercased() == text.lowercased() }
    }

    mutating func handleBulkOverlay(_ key: KeyEvent, _ editing: BulkEditing) -> [AppEffect] {
        var editing = editing
        if key == .escape {
            overlay = nil
            return []
        }
        switch editing.stage {
        case .menu:
            switch key {
            case .character("f"): editing.stage = .key(setting: true)
            case .character("x"): editing.stage = .key(setting: false)
            case .character("q"): overlay = nil; return []
            case .character("e"): return planBulk(.consent(MarketingConsent(email: true, whatsapp: nil)))
            case .character("E"): return planBulk(.consent(MarketingConsent(email: false, whatsapp: nil)))
            case .character("w"): return planBulk(.consent(MarketingConsent(email: nil, whatsapp: true)))
            case .character("W"): return planBulk(.consent(MarketingConsent(email: nil, whatsapp: false)))
            default: return []
            }
            overlay = .bulk(editing)
            return []
        case .key(let setting):
            guard key == .enter else { break }
            switch bulkFieldKey(editing.editor.text) {
            case .failure(let failure):
                editing.error = failure.message
            case .success(let fieldKey):
                guard setting else { return planBulk(.unsetField(key: fieldKey)) }
                editing.stage = .value(key: fieldKey)
                editing.editor = LineEditor()
                editing.error = nil
            }
            overlay = .bulk(editing)
            return []
        case .value(let fieldKey):
            guard key == .enter else { break }
            switch FieldValueParser.parse(editing.editor.text, definition: definition(for: fieldKey), original: nil) {
            case .success(let value):
                return planBulk(value == .null ? .unsetField(key: fieldKey) : .setField(key: fieldKey, value: value))
            case .failure(let error):
                editing.error = error.message
                overlay = .bulk(editing)
                return []
            }
        }
        if editing.stage != .menu, key != .enter {
            _ = editing.editor.handle(key)
            editing.error = nil
        }
        overlay = .bulk(editing)
        return []
    }

    mutating func planBulk(_ change: BulkChange) -> [AppEffect] {
        overlay = .bulkPlanning(change)
        return [.planBulk(change, list.marks.ids)]
    }

    mutating func handleBulkReview(_ key: KeyEvent, _ plan: BulkPlan) -> [AppEffect] {
        switch key {
        case .character("y"):
            overlay = nil
            guard plan.requests > 0 else {
                notices.flash = "nothing to send: the \(plan.items.count) marked contact(s) already hold it"
                return []
            }
            notices.flash = "queueing \(plan.requests) update(s)…"
            return [.startBulk(plan)]
        case .character("n"), .escape, .character("q"):
            overlay = nil
        default:
            if let move = moveAction(key) {
                overlayScroll = Self.moved(overlayScroll, move, count: plan.items.count, page: max(1, size.rows - 12)) ?? overlayScroll
            }
        }
        return []
    }

    mutating func reduceBulk(_ action: AppAction) -> [AppEffect] {
        switch action {
        case .bulkPlanned(let result):
            guard case .bulkPlanning? = overlay else { return [] }  // left meanwhile with Esc
            switch result {
            case .success(let plan):
                overlay = .bulkReview(plan)
                overlayScroll = 0
            case .failure(let failure):
                overlay = nil
                notices.lastError = "bulk edit not planned: " + failure.message
            }
        case .bulkQueued(let run):
            bulk = run
            notices.lastError = nil
            notices.flash = run.resumed
                ? "resuming an earlier bulk edit: \(run.unsent) of \(run.total) left (X cancels)"
                : "queued \(run.unsent) update(s) at background priority: sending (\(keyLabel(.cancelBulk)) cancels)"
        case .bulkSettled(let batch):
            // Counted again at most 4 times a second (the tick counts too): a fast server
            // answers hundreds a second.
            guard var run = bulk, run.batch == batch, now.timeIntervalSince(run.countedAt) >= 0.25 else { return [] }
            run.countedAt = now
            bulk = run
            return [.watchBulk(batch)]
        case .bulkProgress(let batch, let counts):
            guard var run = bulk, run.batch == batch else { return [] }
            run.counts = counts
            if run.isFinished {
                bulk = nil
                var text = run.cancelled ? "bulk edit cancelled: \(run.sent) sent before it stopped" : "bulk edit done: \(run.sent) of \(run.total) sent"
                if run.refused > 0 {
                    text += ", \(run.refused) refused (see minimo outbox list)"
                    notices.lastError = text
                } else {
                    notices.flash = text
                }
            } else {
                bulk = run
            }
        case .bulkCancelled(let batch, let dropped, let inFlight):
            if bulk?.batch == batch { bulk?.cancelled = true }
            var text = "bulk edit cancelled: \(dropped) update(s) dropped unsent"
            if inFlight > 0 { text += "; \(inFlight) already on their way still go out" }
            if (bulk?.sent ?? 0) > 0 { text += "; the \(bulk?.sent ?? 0) sent stay" }
            notices.flash = text
            return [.watchBulk(batch)]
        default:
            break
        }
        return []
    }
}
