import Foundation
import MinimoCache
import MinimoKit

/// Keys in each pane: the search box, the contact list, the fields editor (and its line
/// editor), the consent toggles.
extension AppState {
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
}
