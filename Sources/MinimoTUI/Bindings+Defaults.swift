/// What a key can do. The raw value is the name `config.toml` uses under `[keys.CONTEXT]`.
public enum KeyAction: String, Sendable, Hashable, CaseIterable {
    // global
    case search, help, quit, command, raw, log, refresh, save, undo
    case editJSON = "edit_json"
    case copy, bulk
    case cancelBulk = "cancel_bulk"
    case outbox
    case copyCurl = "copy_curl"
    case nextPane = "next_pane"
    case previousPane = "prev_pane"
    // move
    case up, down
    case pageUp = "page_up"
    case pageDown = "page_down"
    case top, bottom, redraw
    // list
    case open, mark
    case markAll = "mark_all"
    case sort
    case reverseSort = "reverse_sort"
    // fields
    case edit, add, delete
    // consent
    case toggle
    // log
    case show, close
    // outbox
    case keepMine = "keep_mine"
    case takeTheirs = "take_theirs"
    case retry, drop
}

extension Bindings {
    /// The keys minimo ships with; `[keys.CONTEXT]` in `config.toml` changes them.
    public static let defaults = Bindings(entries: defaultEntries)

    private static func keys(_ names: String...) -> [KeyEvent] {
        names.map { name in
            guard case .success(let key) = KeyName.parse(name) else { preconditionFailure("bad default key name \(name)") }
            return key
        }
    }

    static let defaultEntries: [KeyBinding] = [
        KeyBinding(.global, .search, keys("/"), "search by email: typing filters cached contacts, Enter looks the exact email up, Esc leaves",
                   hint: BindingHint("search", short: "find", priority: 40)),
        KeyBinding(.global, .nextPane, keys("tab"), "next pane", hint: BindingHint("pane", priority: 80)),
        KeyBinding(.global, .previousPane, keys("shift-tab"), "previous pane"),
        KeyBinding(.global, .raw, keys("r"), "raw view: the last exchange for this contact (status, timing, headers, JSON)"),
        KeyBinding(.global, .log, keys("L"), "request log: every exchange, following new ones"),
        KeyBinding(.global, .copyCurl, keys("C"), "in the raw view: copy the request as a curl command (the key as $MINIMO_API_KEY)"),
        KeyBinding(.global, .refresh, keys("R"), "refresh the contact from the API, bypassing the cache"),
        KeyBinding(.global, .copy, keys("y"), "copy the selected value (in the raw view: the body) with OSC 52"),
        KeyBinding(.global, .save, keys("s", "ctrl-s"), "review the JSON to be sent, each change as old → new; y sends, n goes back",
                   hint: BindingHint("save", priority: 60, when: .contactOpen), changesContacts: true),
        KeyBinding(.global, .undo, keys("u"), "undo the last unsaved change"),
        KeyBinding(.global, .editJSON, keys("E"), "edit all custom fields as JSON in $VISUAL / $EDITOR", changesContacts: true),
        KeyBinding(.global, .bulk, keys("b"), "bulk edit of the marked contacts: set or unset a field, set consent; a review shows requests and ETA",
                   hint: BindingHint("bulk edit", short: "bulk", priority: 30, when: .hasMarks), changesContacts: true),
        KeyBinding(.global, .cancelBulk, keys("X"), "cancel the bulk edit being sent (what has not gone out is dropped)",
                   hint: BindingHint("cancel bulk", short: "cancel", priority: 15, when: .bulkRunning)),
        KeyBinding(.global, .outbox, keys("O"), "outbox: every unsent edit; decide a conflict or a refusal"),
        KeyBinding(.global, .command, keys(":"), "command line: :q  :q!  :w  :sync  :outbox  :messages  :bulk  :unmark  :profile NAME"),
        KeyBinding(.global, .help, keys("?"), "this help, with the keys in effect", hint: BindingHint("help", priority: 10)),
        KeyBinding(.global, .quit, keys("q"), "quit (asks first when there are unsaved changes, kept as a draft, or a bulk edit is being sent)",
                   hint: BindingHint("quit", priority: 90)),

        KeyBinding(.move, .up, keys("up", "k"), "up one row"),
        KeyBinding(.move, .down, keys("down", "j"), "down one row"),
        KeyBinding(.move, .pageUp, keys("pgup"), "up one page"),
        KeyBinding(.move, .pageDown, keys("pgdn"), "down one page"),
        KeyBinding(.move, .top, keys("g", "home"), "first row"),
        KeyBinding(.move, .bottom, keys("G", "end"), "last row"),
        KeyBinding(.move, .redraw, keys("ctrl-l"), "redraw the screen"),

        KeyBinding(.list, .open, keys("enter"), "open the selected contact", hint: BindingHint("open", priority: 35)),
        KeyBinding(.list, .mark, keys("m"), "mark or unmark the selected contact (and move down)",
                   hint: BindingHint("mark", priority: 20)),
        KeyBinding(.list, .markAll, keys("M"), "mark every contact the list shows (again: unmark them); marks survive a new search"),
        KeyBinding(.list, .sort, keys("o"), "sort by the next column (after the last, back to the search's order)",
                   hint: BindingHint("sort", priority: 25, when: .listSortable)),
        KeyBinding(.list, .reverseSort, keys("I"), "invert the order"),

        KeyBinding(.fields, .edit, keys("e", "enter"), "edit the selected value (← → Home End, Ctrl-A/E/K/U/W, Backspace)",
                   hint: BindingHint("edit", priority: 45), changesContacts: true),
        KeyBinding(.fields, .add, keys("a"), "add a custom field (key, then value)", changesContacts: true),
        KeyBinding(.fields, .delete, keys("d"), "delete the selected field (asks first; sent as null)", changesContacts: true),

        KeyBinding(.consent, .toggle, keys("space", "enter"), "toggle the selected channel (email, WhatsApp)",
                   hint: BindingHint("toggle", priority: 45), changesContacts: true),

        KeyBinding(.log, .show, keys("enter"), "show the selected exchange raw"),
        KeyBinding(.log, .copy, keys("y"), "in one exchange: copy the response body"),
        KeyBinding(.log, .copyCurl, keys("C"), "copy the request as a curl command"),
        KeyBinding(.log, .close, keys("q", "L"), "close (in one exchange: back to the log); Esc too"),

        KeyBinding(.outbox, .keepMine, keys("m"), "a conflict: keep mine (checked again against the server's values)", changesContacts: true),
        KeyBinding(.outbox, .takeTheirs, keys("t"), "a conflict: take theirs (mine is dropped)", changesContacts: true),
        KeyBinding(.outbox, .edit, keys("e"), "edit the change, starting from the server's values (a refusal: from the refused value)",
                   changesContacts: true),
        KeyBinding(.outbox, .retry, keys("r"), "a refusal: send it again as it is", changesContacts: true),
        KeyBinding(.outbox, .drop, keys("d"), "drop the edit (asks first)"),
        KeyBinding(.outbox, .close, keys("q", "O"), "close; Esc too"),
    ]

    /// Keys that are not in the table, for the help and `minimo keys`.
    public static let fixedKeys: [(keys: String, help: String)] = [
        ("Ctrl-C", "quit from anywhere (asks first when there are unsaved changes; again: quits, keeping them as a draft)"),
        ("Esc", "close what covers the panes, leave the search box or the line editor"),
        ("y / n", "answer a question or a review (y sends or confirms; n or Esc goes back)"),
        ("Enter / Esc / ↓", "in the search box: look the email up / leave / go to the list"),
        ("the line editor", "← → Home End, Ctrl-A/E/K/U/W, Backspace, Delete (UTF-8 aware)"),
        ("the bulk menu", "its own letters, shown in it (f set, x unset, e/E email in/out, w/W WhatsApp in/out)"),
    ]
}
