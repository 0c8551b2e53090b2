/// Every key of the TUI, as the help overlay lists it (and the README documents it).
public enum Keymap {
    public struct Entry: Sendable, Hashable {
        public var keys: String
        public var action: String
    }

    public static let sections: [(title: String, entries: [Entry])] = [
        ("Everywhere", [
            Entry(keys: "/", action: "search by email: typing filters cached contacts, Enter looks the exact email up, Esc leaves"),
            Entry(keys: "Tab / Shift-Tab", action: "next / previous pane"),
            Entry(keys: "↑ ↓  k j  PgUp PgDn  g G", action: "move in the focused list (or scroll the raw view)"),
            Entry(keys: "Enter", action: "open the selected contact; in the fields editor, edit the value"),
            Entry(keys: "o / I", action: "in the contact list: sort by the next column (then back to the search's order) / invert the order"),
            Entry(keys: "r", action: "raw view: the last exchange for this contact (status, timing, headers, JSON)"),
            Entry(keys: "L", action: "request log: every exchange; Enter shows one raw"),
            Entry(keys: "C", action: "in the raw view and the request log: copy the request as a curl command (the key as $MINIMO_API_KEY)"),
            Entry(keys: "R", action: "refresh the contact from the API, bypassing the cache"),
            Entry(keys: "y", action: "copy the selected value (in the raw view: the body) with OSC 52"),
            Entry(keys: "O", action: "outbox: every unsent edit; decide a conflict (keep mine, take theirs, edit) or a refusal (edit, retry, drop)"),
            Entry(keys: ":", action: "command line: :q  :w  :sync  :outbox  :messages  :bulk  :unmark  :profile NAME"),
            Entry(keys: "?", action: "this help"),
            Entry(keys: "Ctrl-L", action: "redraw the screen"),
            Entry(keys: "q  Ctrl-C", action: "quit (asks first when there are unsaved changes, which are kept as a draft)"),
        ]),
        ("Custom fields", [
            Entry(keys: "e  Enter", action: "edit the selected value (←→ Home End, Ctrl-A/E/K/U/W, Backspace)"),
            Entry(keys: "a", action: "add a custom field (key, then value)"),
            Entry(keys: "d", action: "delete the selected field (asks to confirm)"),
            Entry(keys: "u", action: "undo the last unsaved change"),
            Entry(keys: "E", action: "edit all custom fields as JSON in $EDITOR"),
            Entry(keys: "s  Ctrl-S", action: "review the JSON to be sent; y sends, n goes back"),
        ]),
        ("Consent", [
            Entry(keys: "Space", action: "toggle the selected channel (email, WhatsApp)"),
        ]),
        ("Bulk edits", [
            Entry(keys: "m", action: "in the contact list: mark or unmark the selected contact (and move down)"),
            Entry(keys: "M", action: "mark every contact the list shows (again: unmark them); marks survive a new search"),
            Entry(keys: "b", action: "bulk edit of the marked contacts: set or unset a field, set consent; a review shows requests and ETA"),
            Entry(keys: "X", action: "cancel the bulk edit being sent (what has not gone out is dropped)"),
            Entry(keys: ":unmark", action: "clear every mark"),
        ]),
    ]
}
