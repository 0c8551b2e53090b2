import Foundation
import MinimoCache
import MinimoKit

extension AppState {
    /// Applies one action and returns the effects it asks for. Pure: no I/O here.
    public mutating func reduce(_ action: AppAction) -> [AppEffect] {
        let (flashBefore, errorBefore) = (notices.flash, notices.lastError)
        defer { recordMessages(flash: flashBefore, error: errorBefore) }
        var effects = reduceAction(action)
        // The list reads its next page as the selection nears the end of what is loaded.
        if let page = list.pageIn(text: search.text, window: max(1, size.rows - 8)) { effects.append(page) }
        // A copy another process changed, held while the user was editing: shown as soon as
        // the unsaved changes are saved or undone.
        if let held = detail.heldReload, !isEditingContact, notices.pending == nil {
            detail.heldReload = nil
            effects += considerReload(held.contact, fetchedAt: held.fetchedAt, held.change, wasHeld: true)
        }
        return effects
    }

    mutating func reduceAction(_ action: AppAction) -> [AppEffect] {
        switch action {
        case .key(let key):
            return handle(key)
        case .resized(let size):
            self.size = size
            forceRedraw = true
        case .tick(let date):
            now = date
            // Once a second: has another process changed the outbox or the open contact? And
            // how far is the bulk edit?
            var effects: [AppEffect] = [.watchCache(contact?.id)]
            if let bulk, !bulk.isFinished { effects.append(.watchBulk(bulk.batch)) }
            // The request log follows new exchanges while it is open.
            if case .log? = overlay { effects.append(.refreshLog(newest: log.last?.id)) }
            return effects
        case .quota(let status):
            // A new observation of the quota headers means the server just answered.
            if let seen = status.snapshot?.observedAt, seen != shared.quota?.snapshot?.observedAt { shared.online = true }
            shared.quota = status
            if let snapshot = status.snapshot, let reset = snapshot.resetAt {
                shared.observedWindow = max(shared.observedWindow ?? 0, reset.timeIntervalSince(snapshot.observedAt))
            }
        case .searchResults(let query, let summaries, let offset, let more):
            guard query == search.text else { return [] }  // an older query's answer
            if offset == 0 {
                list.show(summaries, query: query, more: more, definitions: definitions)
            } else {
                let marking = list.markingAll
                list.append(summaries, from: offset, more: more, definitions: definitions)
                if marking, !list.markingAll {
                    notices.flash = "\(list.marks.count) marked\(list.more ? " (the first \(ListState.markAllLimit) matches)" : ""): \(keyLabel(.bulk)) for a bulk edit"
                }
            }
        case .contactLoaded(let lookup):
            let isNewContact = contact?.id != lookup.contact.id
            var effects: [AppEffect] = []
            if isNewContact, let previous = contact, hasUnsavedChanges {
                // Opening another contact never drops work: the changes are kept as a draft.
                effects.append(.keepDraft(previous.id, email: previous.email, pendingUpdate))
                notices.flash = "unsaved changes to \(previous.email ?? previous.id.rawValue) kept as a edit.fields"
            }
            contact = lookup.contact
            detail.source = lookup.source
            detail.fetchedAt = now.addingTimeInterval(-lookup.age)
            notices.pending = nil
            notices.lastError = nil
            // Loaded here, so as current as the cache: nothing changed elsewhere is pending.
            detail.externalChange = nil
            detail.heldReload = nil
            if isNewContact {
                detail.outbox = []
                edit.fields = [:]
                edit.consent = MarketingConsent()
                edit.undoStack = []
                detail.fieldSelection = 0
                detail.rawScroll = 0
                editing = nil
                effects.append(.loadDraft(lookup.contact.id))
            }
            if lookup.source == .network { shared.online = true }
            return effects + [.loadExchanges(lookup.contact), .loadContactOutbox(lookup.contact.id)]
        case .contactFailed(let email, let message, let offline):
            notices.pending = nil
            notices.lastError = "\(email): \(message)"
            notices.lookupFailure = (email, message)
            if offline { shared.online = false }
        case .definitionsLoaded(let definitions):
            self.definitions = definitions
            list.applySort(definitions: definitions)  // a column named by display name finds its field now
        case .exchangesLoaded(let exchanges):
            self.exchanges = exchanges
        case .logLoaded(let log):
            if case .log(let selection)? = overlay {
                // At the newest row, it follows new ones; elsewhere the selected exchange stays selected.
                let following = selection >= self.log.count - 1
                let selected = self.log.indices.contains(selection) ? self.log[selection].id : nil
                let kept = following ? nil : log.firstIndex { $0.id == selected }
                overlay = .log(selection: kept ?? max(0, following ? log.count - 1 : min(selection, log.count - 1)))
            }
            self.log = log
        case .saveFinished(let saved, let message, let isError, let unsent):
            notices.pending = nil
            shared.unsentEdits = unsent
            if isError { notices.lastError = message } else { notices.flash = message; notices.lastError = nil }
            if let saved {
                contact = saved
                detail.source = .network
                detail.fetchedAt = now
                // Read from the cache after the send: it holds any change held meanwhile.
                if let held = detail.heldReload {
                    detail.externalChange = held.change.byOtherProcess ? .reloaded : nil
                    detail.heldReload = nil
                }
            }
            if let contact { return [.loadExchanges(contact), .loadContactOutbox(contact.id)] }
        case .externalEditFinished(let result):
            switch result {
            case .success(let fields):
                applyExternalEdit(fields)
            case .failure(let error):
                notices.lastError = "not applied: " + error.message
            }
        case .flash(let message, let isError):
            if isError { notices.lastError = message } else { notices.flash = message }
        case .unsentCount(let count):
            shared.unsentEdits = count
        case .connectivity(let isOnline):
            shared.online = isOnline
        case .outboxDrained(let sent, let left, let offline):
            shared.unsentEdits = left
            if offline { shared.online = false } else if sent > 0 { shared.online = true }
            if sent > 0 {
                notices.flash = left == 0
                    ? "sent \(sent) queued edit(s): the server has them now"
                    : "sent \(sent) queued edit(s); \(left) still waiting"
                notices.lastError = nil
                // Show the contact as the cache now holds it (the server's answer was stored).
                if let contact, let email = contact.email { return [.lookup(email: email, refresh: false), .loadExchanges(contact)] }
            }
        case .bulkPlanned, .bulkQueued, .bulkSettled, .bulkProgress, .bulkCancelled:
            return reduceBulk(action)
        case .outboxLoaded, .contactOutboxLoaded, .outboxResolved, .outboxEditReady, .saveConflicted, .note:
            return reduceOutbox(action)
        case .showCopied(let text):
            overlay = .copied(text)
            overlayScroll = 0
        case .cacheWatched(let watch, let ownWork):
            let previous = shared.cacheWatch?.contact
            shared.cacheWatch = watch
            shared.unsentEdits = watch.unsentEdits
            guard let shown = contact, let mark = watch.contact, mark.id == shown.id, mark.isCached, mark != previous else {
                return []
            }
            // The row changed (or this is the first look since the contact was opened): read it
            // again and compare it with what the screen shows.
            var note: String?
            if !ownWork, let previous, previous.id == mark.id {
                // Only another process's edit: this screen's own held or refused save said so itself.
                func grew(_ state: OutboxEntry.State) -> Bool { (mark.heldForOthers[state] ?? 0) > (previous.heldForOthers[state] ?? 0) }
                if grew(.conflict) {
                    note = "held as a conflict"
                } else if grew(.failed) {
                    note = "refused"
                }
            }
            return [.reloadContact(mark.id, CacheChange(byOtherProcess: !ownWork, outboxNote: note))]
        case .contactReloaded(let reloaded, let fetchedAt, let change):
            // The row changed: its unsent edits may have too (queued, sent, held, refused).
            return considerReload(reloaded, fetchedAt: fetchedAt, change, wasHeld: false) + [.loadContactOutbox(reloaded.id)]
        case .draftLoaded(let kept):
            guard kept.contactID == contact?.id, !hasUnsavedChanges else { return [] }
            edit.fields = kept.update.customFields
            edit.consent = kept.update.marketingConsent
            notices.flash = "restored \(unsavedCount) unsaved change(s) kept earlier: \(keyLabel(.save)) to review, \(keyLabel(.undo)) to undo one by one"
            edit.undoStack = edit.fields.keys.sorted().map { .field(key: $0, previous: nil) }
            if edit.consent.email != nil || edit.consent.whatsapp != nil { edit.undoStack.insert(.consent(previous: MarketingConsent()), at: 0) }
        }
        return []
    }

    mutating func setDraft(_ key: String, _ value: JSONValue?) {
        edit.set(key, value)
    }

    mutating func undo() {
        if !edit.undo() { notices.flash = "nothing to undo" }
    }

    mutating func applyExternalEdit(_ fields: [String: JSONValue]) {
        guard let contact else { return }
        let target = LocalEditPreview.apply(edit.fields, to: contact.customFields)
        for key in Set(target.keys).union(fields.keys) where target[key] != fields[key] {
            let server = contact.customFields[key]
            let wanted = fields[key]
            setDraft(key, wanted == server ? nil : (wanted ?? .null))
        }
    }

    func copySelection() -> [AppEffect] {
        if detail.rawView, let last = exchanges.last {
            return [.copy(String(decoding: last.responseBody, as: UTF8.self))]
        }
        switch focus {
        case .results:
            if list.results.indices.contains(list.selection), let email = list.results[list.selection].email { return [.copy(email)] }
        case .fields:
            let rows = fieldRows
            if rows.indices.contains(detail.fieldSelection) { return [.copy(FieldValueParser.editableText(rows[detail.fieldSelection].value))] }
        default:
            if let email = contact?.email { return [.copy(email)] }
        }
        return []
    }
}

/// The custom fields as they will be after the draft is saved (for `E` and the review).
enum LocalEditPreview {
    static func apply(_ changes: [String: JSONValue], to fields: [String: JSONValue]) -> [String: JSONValue] {
        var result = fields
        for (key, value) in changes {
            if value == .null { result[key] = nil } else { result[key] = value }
        }
        return result
    }
}
