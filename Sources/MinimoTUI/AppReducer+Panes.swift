import Foundation
import MinimoCache
import MinimoKit

/// Keys that type text: the search box and the fields editor's line editor.
extension AppState {
    mutating func handleSearch(_ key: KeyEvent) -> [AppEffect] {
        switch key {
        case .escape, .down:
            focus = .results
            return []
        case .enter:
            let email = search.text.trimmingCharacters(in: .whitespaces)
            guard !email.isEmpty else { return [] }
            guard ContactValidation.isValidEmail(email) else {
                if let selected = list.results.indices.contains(list.selection) ? list.results[list.selection] : nil,
                    let address = selected.email
                {
                    notices.pending = "opening \(address)"
                    focus = .fields
                    return [.lookup(email: address, refresh: false)]
                }
                notices.lastError = "'\(email)' is not a whole email address: type it all, or pick a result"
                return []
            }
            notices.pending = "looking up \(email)"
            notices.lastError = nil
            focus = .fields
            return [.lookup(email: email, refresh: false)]
        default:
            // Pane keys work here too (a character bound to one is text here).
            if !key.isText, let action = bindings.ownAction(for: key, in: .global), action == .nextPane || action == .previousPane {
                return perform(action)
            }
            // In an empty search box the search key does nothing (a README reader types `/`),
            // and the help key opens the help: a new user's first `?` is not typed as a query.
            if search.text.isEmpty, let action = bindings.ownAction(for: key, in: .global), action == .search || action == .help {
                return action == .help ? perform(.help) : []
            }
            let before = search.text
            guard search.handle(key) else { return [] }
            if search.text != before {
                list.selection = 0
                return [.search(search.text)]
            }
            return []
        }
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
                editing.editor = LineEditor(text: edit.fields[key].map(FieldValueParser.editableText) ?? "")
                editing.error = nil
                self.editing = editing
            case .value:
                let original = contact?.customFields[editing.key]
                switch FieldValueParser.parse(editing.editor.text, definition: definition(for: editing.key), original: original) {
                case .success(let value):
                    setDraft(editing.key, value == original ? nil : value)
                    if let index = fieldRows.firstIndex(where: { $0.key == editing.key }) { detail.fieldSelection = index }
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
