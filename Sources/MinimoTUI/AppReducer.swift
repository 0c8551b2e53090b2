import Foundation
import MinimoCache
import MinimoKit

extension AppState {
    /// Applies one action and returns the effects it asks for. Pure: no I/O here.
    public mutating func reduce(_ action: AppAction) -> [AppEffect] {
        let (flashBefore, errorBefore) = (flash, lastError)
        defer { recordMessages(flash: flashBefore, error: errorBefore) }
        var effects = reduceAction(action)
        // A copy another process changed, held while the user was editing: shown as soon as
        // the unsaved changes are saved or undone.
        if let held = heldReload, !isEditingContact, pending == nil {
            heldReload = nil
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
            return effects
        case .quota(let status):
            // A new observation of the quota headers means the server just answered.
            if let seen = status.snapshot?.observedAt, seen != quota?.snapshot?.observedAt { online = true }
            quota = status
            if let snapshot = status.snapshot, let reset = snapshot.resetAt {
                observedWindow = max(observedWindow ?? 0, reset.timeIntervalSince(snapshot.observedAt))
            }
        case .searchResults(let query, let summaries):
            guard query == search.text else { return [] }  // an older query's answer
            results = summaries
            resultSelection = min(resultSelection, max(0, summaries.count - 1))
            applySort()
        case .contactLoaded(let lookup):
            let isNewContact = contact?.id != lookup.contact.id
            var effects: [AppEffect] = []
            if isNewContact, let previous = contact, hasUnsavedChanges {
                // Opening another contact never drops work: the changes are kept as a draft.
                effects.append(.keepDraft(previous.id, email: previous.email, pendingUpdate))
                flash = "unsaved changes to \(previous.email ?? previous.id.rawValue) kept as a draft"
            }
            contact = lookup.contact
            contactSource = lookup.source
            contactFetchedAt = now.addingTimeInterval(-lookup.age)
            pending = nil
            lastError = nil
            // Loaded here, so as current as the cache: nothing changed elsewhere is pending.
            externalChange = nil
            heldReload = nil
            if isNewContact {
                contactOutbox = []
                draft = [:]
                consentDraft = MarketingConsent()
                undoStack = []
                fieldSelection = 0
                fieldScroll = 0
                rawScroll = 0
                editing = nil
                effects.append(.loadDraft(lookup.contact.id))
            }
            if lookup.source == .network { online = true }
            return effects + [.loadExchanges(lookup.contact), .loadContactOutbox(lookup.contact.id)]
        case .contactFailed(let email, let message, let offline):
            pending = nil
            lastError = "\(email): \(message)"
            lookupFailure = (email, message)
            if offline { online = false }
        case .definitionsLoaded(let definitions):
            self.definitions = definitions
            applySort()  // a column named by display name finds its field now
        case .exchangesLoaded(let exchanges):
            self.exchanges = exchanges
        case .logLoaded(let log):
            self.log = log
        case .saveFinished(let saved, let message, let isError, let unsent):
            pending = nil
            unsentEdits = unsent
            if isError { lastError = message } else { flash = message; lastError = nil }
            if let saved {
                contact = saved
                contactSource = .network
                contactFetchedAt = now
                // Read from the cache after the send: it holds any change held meanwhile.
                if let held = heldReload {
                    externalChange = held.change.byOtherProcess ? .reloaded : nil
                    heldReload = nil
                }
            }
            if let contact { return [.loadExchanges(contact), .loadContactOutbox(contact.id)] }
        case .externalEditFinished(let result):
            switch result {
            case .success(let fields):
                applyExternalEdit(fields)
            case .failure(let error):
                lastError = "not applied: " + error.message
            }
        case .flash(let message, let isError):
            if isError { lastError = message } else { flash = message }
        case .unsentCount(let count):
            unsentEdits = count
        case .connectivity(let isOnline):
            online = isOnline
        case .outboxDrained(let sent, let left, let offline):
            unsentEdits = left
            if offline { online = false } else if sent > 0 { online = true }
            if sent > 0 {
                flash = left == 0
                    ? "sent \(sent) queued edit(s): the server has them now"
                    : "sent \(sent) queued edit(s); \(left) still waiting"
                lastError = nil
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
            let previous = cacheWatch?.contact
            cacheWatch = watch
            unsentEdits = watch.unsentEdits
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
            draft = kept.update.customFields
            consentDraft = kept.update.marketingConsent
            flash = "restored \(unsavedCount) unsaved change(s) kept earlier: s to review, u to undo one by one"
            undoStack = draft.keys.sorted().map { .field(key: $0, previous: nil) }
            if consentDraft.email != nil || consentDraft.whatsapp != nil { undoStack.insert(.consent(previous: MarketingConsent()), at: 0) }
        }
        return []
    }

    /// The open contact read again from the cache after its row changed: shown when its values
    /// differ from the screen's, held while the user edits it or while this screen's own lookup
    /// or save is on its way (whose answer, when it comes, is at least as new).
    mutating func considerReload(_ reloaded: Contact, fetchedAt: Date, _ change: CacheChange, wasHeld: Bool) -> [AppEffect] {
        guard let shown = contact, shown.id == reloaded.id else {
            if externalChange == .held { externalChange = nil }
            return []
        }
        if pending != nil {
            heldReload = HeldReload(contact: reloaded, fetchedAt: fetchedAt, change: change)
            return []
        }
        if reloaded == shown {
            // The same values: at most another process fetched them again, or one of its edits
            // of this contact changed state.
            if externalChange == .held { externalChange = change.byOtherProcess ? .reloaded : nil }
            if change.byOtherProcess, fetchedAt > (contactFetchedAt ?? .distantPast) {
                contactFetchedAt = fetchedAt
                contactSource = .freshCache
            }
            if change.byOtherProcess, let note = change.outboxNote {
                flash = "another process's edit \(note): O to resolve"
                lastError = nil
            }
            return []
        }
        if isEditingContact {
            // Never over the user's unsaved changes: say so, and show it once they are done.
            heldReload = HeldReload(contact: reloaded, fetchedAt: fetchedAt, change: change)
            externalChange = .held
            flash = (change.byOtherProcess ? "changed by another process" : "a newer copy was cached")
                + "; your edits are kept until saved or undone"
            lastError = nil
            return []
        }
        return showReloaded(reloaded, fetchedAt: fetchedAt, change, afterEdit: wasHeld)
    }

    /// Shows the open contact as another process (or a refresh of this one) left it in the cache.
    mutating func showReloaded(_ reloaded: Contact, fetchedAt: Date, _ change: CacheChange, afterEdit: Bool) -> [AppEffect] {
        contact = reloaded
        contactSource = .freshCache
        contactFetchedAt = fetchedAt
        externalChange = change.byOtherProcess ? .reloaded : nil
        fieldSelection = min(fieldSelection, max(0, fieldRows.count - 1))
        // The status bar gives a message about 25 columns on an 80-column terminal: the news first.
        if afterEdit {
            flash = change.byOtherProcess ? "showing another minimo process's change" : "showing the newer copy from the cache"
        } else if let note = change.outboxNote, change.byOtherProcess {
            flash = "another process's edit \(note) (O to resolve): reloaded"
        } else {
            flash = change.byOtherProcess ? "updated by another minimo process" : "reloaded: a newer copy was cached"
        }
        // An older error gives way to the news; one that just ended this screen's own lookup
        // (after which a held copy shows) stays.
        if !afterEdit { lastError = nil }
        return [.loadExchanges(reloaded)]
    }

    // MARK: - Keys

    mutating func handle(_ key: KeyEvent) -> [AppEffect] {
        if key == .resize { forceRedraw = true; return [] }
        if key == .control("l") { forceRedraw = true; return [] }
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
        if let overlay { return handleOverlay(key, overlay) }
        if editing != nil { return handleEditing(key) }
        // Pane cycling works everywhere, the search box included.
        if key == .tab || key == .backTab {
            focus = key == .tab ? focus.next : focus.previous
            return []
        }
        if focus == .search { return handleSearch(key) }
        flash = nil
        if readOnly, refusedAsWrite(key) {
            lastError = "read-only profile (readonly = true, or --readonly): contacts cannot be changed here"
            return []
        }
        switch key {
        case .character("/"):
            focus = .search
            return []
        case .character("?"):
            overlay = .help
            overlayScroll = 0
            return []
        case .character("q"):
            requestQuit()
            return []
        case .character(":"):
            overlay = .command(LineEditor())
            return []
        case .character("r"):
            rawView.toggle()
            rawScroll = 0
            return contact.map { [.loadExchanges($0)] } ?? []
        case .character("L"):
            overlay = .log(selection: max(0, log.count - 1))
            return [.loadLog]
        case .character("R"):
            guard let email = contact?.email else { return [] }
            pending = "refreshing \(email)"
            return [.lookup(email: email, refresh: true)]
        case .character("s"), .control("s"):
            return openSaveReview()
        case .character("u"):
            undo()
            return []
        case .character("E"):
            guard let contact else { return [] }
            return [.editExternally(LocalEditPreview.apply(draft, to: contact.customFields))]
        case .character("y"):
            return copySelection()
        case .character("b"):
            openBulk()
            return []
        case .character("X"):
            askCancelBulk()
            return []
        case .character("O"):
            return openOutbox()
        case .character("C"):
            // The raw view's request, to run again in a shell.
            guard rawView, let last = exchanges.last else {
                flash = "C copies a request as curl: in the raw view (r) or the request log (L)"
                return []
            }
            return [.copyCurl(last)]
        default:
            break
        }
        if rawView, focus == .detail || focus == .fields || focus == .consent {
            if let step = scrollStep(key, page: max(1, size.rows - 6)) {
                rawScroll = max(0, rawScroll + step)
                return []
            }
        }
        switch focus {
        case .results: return handleResults(key)
        case .fields: return handleFields(key)
        case .consent: return handleConsent(key)
        case .detail, .search: return []
        }
    }

    func scrollStep(_ key: KeyEvent, page: Int) -> Int? {
        switch key {
        case .down, .character("j"): 1
        case .up, .character("k"): -1
        case .pageDown: page
        case .pageUp: -page
        case .character("g"), .home: -1_000_000
        case .character("G"), .end: 1_000_000
        default: nil
        }
    }

    mutating func handleSearch(_ key: KeyEvent) -> [AppEffect] {
        switch key {
        case .escape:
            focus = .results
            return []
        case .down:
            focus = .results
            return []
        case .enter:
            let email = search.text.trimmingCharacters(in: .whitespaces)
            guard !email.isEmpty else { return [] }
            guard ContactValidation.isValidEmail(email) else {
                if let selected = results.indices.contains(resultSelection) ? results[resultSelection] : nil,
                    let address = selected.email
                {
                    pending = "opening \(address)"
                    focus = .fields
                    return [.lookup(email: address, refresh: false)]
                }
                lastError = "'\(email)' is not a whole email address: type it all, or pick a result"
                return []
            }
            pending = "looking up \(email)"
            lastError = nil
            focus = .fields
            return [.lookup(email: email, refresh: false)]
        default:
            let before = search.text
            guard search.handle(key) else { return [] }
            if search.text != before {
                resultSelection = 0
                resultScroll = 0
                return [.search(search.text)]
            }
            return []
        }
    }

    mutating func handleResults(_ key: KeyEvent) -> [AppEffect] {
        if key == .enter, results.indices.contains(resultSelection), let email = results[resultSelection].email {
            pending = "opening \(email)"
            focus = .fields
            return [.lookup(email: email, refresh: false)]
        }
        if key == .character("m") { toggleMark(); return [] }
        if key == .character("o") { cycleSort(); return [] }
        if key == .character("I") { reverseSort(); return [] }
        if key == .character("M") { toggleMarkAll(); return [] }
        if let step = scrollStep(key, page: max(1, size.rows - 8)) {
            resultSelection = min(max(0, resultSelection + step), max(0, results.count - 1))
        }
        return []
    }

    mutating func handleFields(_ key: KeyEvent) -> [AppEffect] {
        let rows = fieldRows
        switch key {
        case .enter, .character("e"):
            guard rows.indices.contains(fieldSelection) else { return [] }
            let row = rows[fieldSelection]
            let text = row.status == .deleted ? "" : FieldValueParser.editableText(row.value)
            editing = FieldEditing(key: row.key, stage: .value, editor: LineEditor(text: text))
        case .character("a"):
            guard contact != nil else { return [] }
            editing = FieldEditing(key: "", stage: .key, editor: LineEditor())
        case .character("d"):
            guard rows.indices.contains(fieldSelection) else { return [] }
            overlay = .confirmDelete(key: rows[fieldSelection].key)
        default:
            if let step = scrollStep(key, page: 5) {
                fieldSelection = min(max(0, fieldSelection + step), max(0, rows.count - 1))
            }
        }
        return []
    }

    mutating func handleConsent(_ key: KeyEvent) -> [AppEffect] {
        switch key {
        case .character(" "), .enter:
            guard contact != nil else { return [] }
            undoStack.append(.consent(previous: consentDraft))
            let current = effectiveConsent
            let server = contact?.marketingConsent
            if consentSelection == 0 {
                let flipped = !(current.email ?? false)
                consentDraft.email = flipped == server?.email ? nil : flipped
            } else {
                let flipped = !(current.whatsapp ?? false)
                consentDraft.whatsapp = flipped == server?.whatsapp ? nil : flipped
            }
        case .down, .character("j"): consentSelection = 1
        case .up, .character("k"): consentSelection = 0
        default: break
        }
        return []
    }

    mutating func handleEditing(_ key: KeyEvent) -> [AppEffect] {
        guard var editing else { return [] }
        switch key {
        case .escape:
            self.editing = nil
            return []
        case .enter:
            switch editing.stage {
            case .key:
                let key = editing.editor.text.trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty, !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                    editing.error = "a key is a single word, like plan or signup_date"
                    self.editing = editing
                    return []
                }
                editing.key = key
                editing.stage = .value
                editing.editor = LineEditor(text: draft[key].map(FieldValueParser.editableText) ?? "")
                editing.error = nil
                self.editing = editing
            case .value:
                let original = contact?.customFields[editing.key]
                switch FieldValueParser.parse(editing.editor.text, definition: definition(for: editing.key), original: original) {
                case .success(let value):
                    setDraft(editing.key, value == original ? nil : value)
                    if let index = fieldRows.firstIndex(where: { $0.key == editing.key }) { fieldSelection = index }
                    self.editing = nil
                case .failure(let error):
                    editing.error = error.message
                    self.editing = editing
                }
            }
            return []
        default:
            _ = editing.editor.handle(key)
            editing.error = nil
            self.editing = editing
            return []
        }
    }

    mutating func handleOverlay(_ key: KeyEvent, _ current: Overlay) -> [AppEffect] {
        switch current {
        case .help:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = max(0, overlayScroll + step)
            } else {
                overlay = nil
            }
        case .confirmQuit:
            switch key {
            case .character("y"), .character("q"): shouldQuit = true
            default: overlay = nil
            }
        case .confirmDelete(let fieldKey):
            if key == .character("y") || key == .enter {
                setDraft(fieldKey, contact?.customFields[fieldKey] == nil ? nil : .null)
            }
            overlay = nil
        case .saveReview:
            switch key {
            case .character("y"):
                overlay = nil
                guard let contact else { return [] }
                let update = pendingUpdate
                draft = [:]
                consentDraft = MarketingConsent()
                undoStack = []
                pending = "saving"
                return [.save(contact.id, update)]
            case .character("n"), .escape, .character("q"):
                overlay = nil
            default:
                break
            }
        case .log(let selection):
            switch key {
            case .escape, .character("q"), .character("L"):
                overlay = nil
            case .enter:
                if log.indices.contains(selection) { overlay = .exchange(log[selection]); overlayScroll = 0 }
            case .character("C"):
                if log.indices.contains(selection) { return [.copyCurl(log[selection])] }
            default:
                if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                    overlay = .log(selection: min(max(0, selection + step), max(0, log.count - 1)))
                }
            }
        case .exchange(let exchange):
            switch key {
            case .escape, .character("q"):
                overlay = .log(selection: log.firstIndex(of: exchange) ?? 0)
            case .character("y"):
                return [.copy(String(decoding: exchange.responseBody, as: UTF8.self))]
            case .character("C"):
                return [.copyCurl(exchange)]
            default:
                if let step = scrollStep(key, page: max(1, size.rows - 4)) { overlayScroll = max(0, overlayScroll + step) }
            }
        case .bulk(let editing):
            return handleBulkOverlay(key, editing)
        case .bulkPlanning:
            if key == .escape { overlay = nil }
        case .bulkReview(let plan):
            return handleBulkReview(key, plan)
        case .outbox(let cursor):
            return handleOutboxOverlay(key, cursor)
        case .copied:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = max(0, overlayScroll + step)
            } else {
                overlay = nil
            }
        case .messages:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = min(max(0, overlayScroll + step), max(0, messages.count - 1))
            } else {
                overlay = nil
            }
        case .confirmCancelBulk:
            overlay = nil
            if key == .character("y"), let bulk { return [.cancelBulk(bulk.batch)] }
        case .command(var editor):
            switch key {
            case .escape:
                overlay = nil
            case .enter:
                overlay = nil
                return runCommand(editor.text)
            default:
                _ = editor.handle(key)
                overlay = .command(editor)
            }
        }
        return []
    }

    mutating func runCommand(_ text: String) -> [AppEffect] {
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "q", "quit":
            requestQuit()
        case "q!":
            shouldQuit = true
        case "w", "write", "save":
            return openSaveReview()
        case "sync":
            flash = "sync started (background priority: your lookups go first)"
            return [.sync]
        case "bulk":
            openBulk()
        case "outbox":
            return openOutbox()
        case "messages", "mes":
            overlay = .messages
            overlayScroll = max(0, messages.count - max(1, size.rows - 4))  // the newest, at the bottom
        case "unmark":
            flash = "unmarked \(marks.count) contact(s)"
            marks.clear()
        case "profile":
            lastError = words.count > 1
                ? "to switch profile, quit and run: minimo --profile \(words[1])"
                : "usage: :profile NAME"
        case nil:
            break
        default:
            lastError = "unknown command :\(text) (try :q, :w, :sync, :outbox, :messages, :bulk, :unmark, :profile NAME)"
        }
        return []
    }

    /// Quits at once, or asks first when there are unsaved changes.
    mutating func requestQuit() {
        if quitNeedsConfirmation { overlay = .confirmQuit } else { shouldQuit = true }
    }

    /// Unsaved changes (kept as a draft), or a bulk edit still being sent (left queued): the
    /// user is told what quitting does with them first.
    var quitNeedsConfirmation: Bool { hasUnsavedChanges || (bulk.map { !$0.isFinished } ?? false) }

    mutating func openSaveReview() -> [AppEffect] {
        guard contact != nil else { return [] }
        guard !pendingUpdate.isEmpty else {
            flash = "nothing to save"
            return []
        }
        overlay = .saveReview
        return []
    }

    mutating func setDraft(_ key: String, _ value: JSONValue?) {
        undoStack.append(.field(key: key, previous: draft[key]))
        draft[key] = value
    }

    mutating func undo() {
        guard let last = undoStack.popLast() else {
            flash = "nothing to undo"
            return
        }
        switch last {
        case .field(let key, let previous): draft[key] = previous
        case .consent(let previous): consentDraft = previous
        }
    }

    mutating func applyExternalEdit(_ fields: [String: JSONValue]) {
        guard let contact else { return }
        let target = LocalEditPreview.apply(draft, to: contact.customFields)
        for key in Set(target.keys).union(fields.keys) where target[key] != fields[key] {
            let server = contact.customFields[key]
            let wanted = fields[key]
            setDraft(key, wanted == server ? nil : (wanted ?? .null))
        }
    }

    func copySelection() -> [AppEffect] {
        if rawView, let last = exchanges.last {
            return [.copy(String(decoding: last.responseBody, as: UTF8.self))]
        }
        switch focus {
        case .results:
            if results.indices.contains(resultSelection), let email = results[resultSelection].email { return [.copy(email)] }
        case .fields:
            let rows = fieldRows
            if rows.indices.contains(fieldSelection) { return [.copy(FieldValueParser.editableText(rows[fieldSelection].value))] }
        default:
            if let email = contact?.email { return [.copy(email)] }
        }
        return []
    }
}

/// The custom fields as they will be after the draft is saved (for `E` and the review).
enum LocalEditPreview {
    static func apply(_ draft: [String: JSONValue], to fields: [String: JSONValue]) -> [String: JSONValue] {
        var result = fields
        for (key, value) in draft {
            if value == .null { result[key] = nil } else { result[key] = value }
        }
        return result
    }
}
