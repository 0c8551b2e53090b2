import Foundation
import MinimoCache
import MinimoKit

/// The outbox view and what it decides: a held conflict is kept (sent anyway), given up (the
/// server's value stays) or edited again; a refused edit is edited and retried, retried as it is,
/// or dropped. Every decision goes to the runtime as an effect and comes back as
/// `outboxResolved`; the view is read again after each.
extension AppState {
    mutating func openOutbox() -> [AppEffect] {
        overlay = .outbox(OutboxCursor())
        return [.loadOutbox]
    }

    var selectedOutboxEntry: OutboxEntry? {
        guard case .outbox(let cursor)? = overlay, outboxEntries.indices.contains(cursor.selection) else { return nil }
        return outboxEntries[cursor.selection]
    }

    mutating func handleOutboxOverlay(_ key: KeyEvent, _ cursor: OutboxCursor) -> [AppEffect] {
        var cursor = cursor
        if cursor.confirmDrop {
            cursor.confirmDrop = false
            overlay = .outbox(cursor)
            guard key == .character("y"), let entry = selectedOutboxEntry else { return [] }
            return [.dropEntry(entry.seq)]
        }
        let action = bindings.binding(for: key, in: .outbox)?.action
        if key == .escape || action == .close {
            overlay = nil
            return []
        }
        if let action, let moved = Self.moved(cursor.selection, action, count: outboxEntries.count, page: max(1, size.rows / 3)) {
            cursor.selection = moved
            overlay = .outbox(cursor)
            return []
        }
        guard let entry = selectedOutboxEntry, let action else { return [] }
        if readOnly, bindings.binding(action, in: .outbox)?.changesContacts == true {
            notices.lastError = "read-only profile: nothing is sent from here (\(bindings.label(.drop, in: .outbox)) drops an edit without sending it)"
            return []
        }
        let busy = entry.state == .sending
        switch (action, entry.state) {
        case (.keepMine, .conflict), (.retry, .failed):
            notices.flash = entry.state == .conflict ? "sending yours anyway…" : "sending it again…"
            return [.keepMine(entry.seq)]
        case (.takeTheirs, .conflict):
            notices.flash = "dropping yours, fetching the server's copy…"
            return [.takeTheirs(entry.seq)]
        case (.edit, .conflict), (.edit, .failed):
            guard entry.kind == .update else {
                notices.lastError = "only an update of a contact can be edited here; drop it (\(bindings.label(.drop, in: .outbox))) or retry it (\(bindings.label(.retry, in: .outbox)))"
                return []
            }
            notices.flash = "opening the edit…"
            return [.editEntry(entry)]
        case (.drop, _):
            guard !busy || !entry.claimedByOtherProcess else {
                notices.lastError = "another minimo process is sending this edit right now: it cannot be dropped"
                return []
            }
            cursor.confirmDrop = true
            overlay = .outbox(cursor)
        default:
            break
        }
        return []
    }

    mutating func reduceOutbox(_ action: AppAction) -> [AppEffect] {
        switch action {
        case .outboxLoaded(let entries):
            outboxEntries = entries
            if case .outbox(var cursor)? = overlay {
                cursor.selection = min(cursor.selection, max(0, entries.count - 1))
                overlay = .outbox(cursor)
            }
        case .contactOutboxLoaded(let id, let entries):
            if contact?.id == id { detail.outbox = entries }
        case .outboxResolved(let message, let isError, let resolved):
            if isError { notices.lastError = message } else { notices.flash = message; notices.lastError = nil }
            // The view and the counts follow at once, not at the next tick.
            var effects: [AppEffect] = [.loadOutbox, .watchCache(contact?.id)]
            if let resolved, resolved.id == contact?.id, !hasUnsavedChanges {
                contact = resolved
                detail.source = .network
                detail.fetchedAt = now
                detail.externalChange = nil
            }
            if let contact { effects += [.loadContactOutbox(contact.id), .loadExchanges(contact)] }
            return effects
        case .outboxEditReady(let fresh, let entry):
            return openEdit(of: entry, on: fresh)
        case .saveConflicted(let paths, let message):
            let names = paths.map { label(forPath: $0) }
            notices.lastError = "conflict on \(names.isEmpty ? "this contact" : names.joined(separator: ", ")) — \(keyLabel(.outbox)) to resolve"
            appendMessage(message, isError: true)
            if let contact { return [.loadContactOutbox(contact.id)] }
        case .note(let text, let isError):
            appendMessage(text, isError: isError)
        default:
            break
        }
        return []
    }

    /// A held or refused edit back in the editor: the contact as the server holds it now, the
    /// edit's values as unsaved changes, and the first field that needs a decision open in the
    /// line editor — starting from the server's value for a conflict, from the refused value for
    /// a refusal. `s` then reviews old → new, as for any edit.
    mutating func openEdit(of entry: OutboxEntry, on fresh: Contact) -> [AppEffect] {
        var effects: [AppEffect] = []
        if let previous = contact, previous.id != fresh.id, hasUnsavedChanges {
            effects.append(.keepDraft(previous.id, email: previous.email, pendingUpdate))
        }
        overlay = nil
        contact = fresh
        detail.source = .network
        detail.fetchedAt = now
        detail.externalChange = nil
        detail.heldReload = nil
        notices.pending = nil
        edit.fields = [:]
        edit.consent = MarketingConsent()
        edit.undoStack = []
        editing = nil
        detail.rawView = false
        let changes = entry.changes
        for change in changes {
            if let key = change.fieldKey {
                let server = fresh.customFields[key]
                let unchanged = change.mine == .null ? server == nil : server == change.mine
                if !unchanged { setDraft(key, change.mine) }
            } else if change.path == "marketingConsent.email", case .bool(let wanted) = change.mine,
                wanted != fresh.marketingConsent?.email
            {
                edit.undoStack.append(.consent(previous: edit.consent))
                edit.consent.email = wanted
            } else if change.path == "marketingConsent.whatsapp", case .bool(let wanted) = change.mine,
                wanted != fresh.marketingConsent?.whatsapp
            {
                edit.undoStack.append(.consent(previous: edit.consent))
                edit.consent.whatsapp = wanted
            }
        }
        focus = .fields
        let focusChange = changes.first { $0.conflicting && $0.fieldKey != nil } ?? changes.first { $0.fieldKey != nil }
        if let focusChange, let key = focusChange.fieldKey {
            if let index = fieldRows.firstIndex(where: { $0.key == key }) { detail.fieldSelection = index }
            let start = entry.state == .conflict ? (fresh.customFields[key] ?? .null) : focusChange.mine
            editing = FieldEditing(key: key, stage: .value, editor: LineEditor(text: FieldValueParser.editableText(start)))
            notices.flash = entry.state == .conflict
                ? "\(label(forPath: focusChange.path)): the editor starts from the server's value; Enter, then \(keyLabel(.save)) to review old → new"
                : "\(label(forPath: focusChange.path)): fix the refused value; Enter, then \(keyLabel(.save)) to review and send"
        } else {
            notices.flash = "your edit is back as unsaved changes: \(keyLabel(.save)) to review old → new"
        }
        notices.lastError = nil
        return effects + [.loadExchanges(fresh), .loadContactOutbox(fresh.id), .loadOutbox]
    }
}
