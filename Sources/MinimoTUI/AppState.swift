import Foundation
import MinimoCache
import MinimoKit

/// The panes that take the keyboard, in Tab order.
public enum Pane: Int, Sendable, Hashable, CaseIterable {
    case search, results, detail, fields, consent

    var next: Pane { Pane(rawValue: (rawValue + 1) % Pane.allCases.count)! }
    var previous: Pane { Pane(rawValue: (rawValue + Pane.allCases.count - 1) % Pane.allCases.count)! }
}

/// What covers the panes, if anything.
public enum Overlay: Sendable, Hashable {
    case help
    /// The exact JSON that `y` will send.
    case saveReview
    case confirmQuit
    case confirmDelete(key: String)
    /// The request log; `selection` indexes `AppState.log`.
    case log(selection: Int)
    /// One exchange from the log, full screen.
    case exchange(RawExchange)
    /// The `:` command line.
    case command(LineEditor)
    /// Choosing a bulk edit of the marked contacts (`b`).
    case bulk(BulkEditing)
    /// Reading the cache for the plan of this change.
    case bulkPlanning(BulkChange)
    /// The plan of a bulk edit: counts, requests, ETA and each contact's JSON; `y` queues it.
    case bulkReview(BulkPlan)
    /// Cancel the running bulk edit (`X`)?
    case confirmCancelBulk
    /// Every unsent edit of the profile (`O`, `:outbox`): decide conflicts and refusals here.
    case outbox(OutboxCursor)
    /// Every notice and error of the session, whole (`:messages`).
    case messages
    /// What was copied, shown because the terminal cannot take OSC 52 (tmux with
    /// `set-clipboard off`): the user selects it by hand.
    case copied(String)
}

/// An inline edit of a custom field: first its key (when adding), then its value.
public struct FieldEditing: Sendable, Hashable {
    public enum Stage: Sendable, Hashable { case key, value }
    public var key: String
    public var stage: Stage
    public var editor: LineEditor
    public var error: String?
}

/// One undoable change of the draft.
public enum DraftChange: Sendable, Hashable {
    case field(key: String, previous: JSONValue?)
    case consent(previous: MarketingConsent)
}

/// Why the open contact is read again from the cache.
public struct CacheChange: Sendable, Hashable {
    /// Nothing this process did since the last look could have made the change: another minimo
    /// process on the same cache did.
    public var byOtherProcess: Bool
    /// What became of an edit of this contact that another process queued ("refused", "held as
    /// a conflict"), when that is part of the change.
    public var outboxNote: String?

    public init(byOtherProcess: Bool, outboxNote: String? = nil) {
        self.byOtherProcess = byOtherProcess
        self.outboxNote = outboxNote
    }
}

/// The open contact was changed in the cache by someone other than this screen.
public enum ExternalChange: Sendable, Hashable {
    /// The newer copy is shown.
    case reloaded
    /// The newer copy waits in `heldReload`: the user has unsaved changes, which it never replaces.
    case held
}

/// A newer copy of the open contact, held back while the user edits.
public struct HeldReload: Sendable, Hashable {
    public var contact: Contact
    public var fetchedAt: Date
    public var change: CacheChange
}

/// Everything the screen shows, as plain values. Views draw from it; the reducer changes it;
/// nothing here talks to the network or the database (effects do, through `ContactStore`).
public struct AppState: Sendable {
    public var size: TerminalSize
    public var profile: String?
    public var host: String?
    public var isDemo: Bool
    public var unicodeLines: Bool
    public var now = Date()
    /// What this screen learns from outside: the server's quota and reachability, and the
    /// shared cache (every process's unsent edits).
    public var shared = SharedState()
    /// What the screen says: the notice or error of the moment, what it waits for, and every
    /// message of the session.
    public var notices = Notices()

    public var focus: Pane = .search
    public var search = LineEditor()
    /// The contact list: results, columns, order, selection, marks.
    public var list = ListState()

    public var contact: Contact?
    /// How the open contact is shown: where it came from, the selections in its panes, the raw
    /// view, its unsent edits and any newer copy another process cached.
    public var detail = ContactDetail()
    public var definitions: [CustomFieldDefinition] = []

    /// The unsaved changes of the open contact, and how to undo them.
    public var edit = EditDraft()
    public var editing: FieldEditing?

    public var overlay: Overlay?
    public var overlayScroll = 0
    /// Exchanges of the open contact, oldest first (the raw view shows the last).
    public var exchanges: [RawExchange] = []
    /// Every stored exchange, for the request log.
    public var log: [RawExchange] = []

    /// The outbox view's entries: held conflicts and refused edits, then those still queued.
    public var outboxEntries: [OutboxEntry] = []
    /// The bulk edit being sent, followed in the status bar.
    public var bulk: BulkRun?
    /// The keys in effect: the defaults with the user's `[keys]` over them.
    public var bindings = Bindings.defaults
    /// A read-only profile: every key that would change a contact is refused, saying why.
    public var readOnly = false
    /// The profile's label in the status bar (`PROD`), in its colour.
    public var profileLabel: ProfileLabel?
    public var shouldQuit = false
    /// Set by Ctrl-L: the next frame repaints everything.
    public var forceRedraw = false

    public init(size: TerminalSize, profile: String?, host: String?, isDemo: Bool, unicodeLines: Bool = true) {
        self.size = size
        self.profile = profile
        self.host = host
        self.isDemo = isDemo
        self.unicodeLines = unicodeLines
    }

    /// Unsaved changes, as the status bar counts them.
    public var unsavedCount: Int {
        edit.count
    }

    public var hasUnsavedChanges: Bool { unsavedCount > 0 }

    /// The user is changing the open contact: unsaved changes, a field being typed, the save
    /// review or a delete question open. A copy changed elsewhere is then held, not shown.
    public var isEditingContact: Bool {
        if hasUnsavedChanges || editing != nil { return true }
        switch overlay {
        case .saveReview?, .confirmDelete?: return true
        default: return false
        }
    }

    /// The definition of a custom-field key (keys match ignoring case).
    public func definition(for key: String) -> CustomFieldDefinition? {
        definitions.first { $0.matches(key: key) }
    }

    /// The rows of the fields editor: every key the contact has or the draft adds, grouped by
    /// the definitions' categories (in definition order), then the undefined keys alphabetically.
    public var fieldRows: [FieldRow] {
        guard let contact else { return [] }
        let keys = Set(contact.customFields.keys).union(edit.fields.keys)
        // Drawn every frame: look each key's definition up once, not once per comparison.
        var position: [String: Int] = [:]
        for (index, definition) in definitions.enumerated() where position[definition.key.lowercased()] == nil {
            position[definition.key.lowercased()] = index
        }
        let ordered = keys.map { key in (index: position[key.lowercased()] ?? Int.max, key: key) }
            .sorted { ($0.index, $0.key) < ($1.index, $1.key) }
        return ordered.map { entry in
            let key = entry.key
            let index = entry.index
            let original = contact.customFields[key]
            let edited = edit.fields[key]
            let status: FieldRow.Status
            switch (original, edited) {
            case (nil, _?): status = .added
            case (_?, .null?): status = .deleted
            case (_?, _?): status = .changed
            default: status = .unchanged
            }
            let definition = index == Int.max ? nil : definitions[index]
            return FieldRow(key: key, definition: definition, original: original, value: edited ?? original ?? .null, status: status)
        }
    }

    /// The effective consent: the draft over what the server said.
    public var effectiveConsent: MarketingConsent {
        let server = contact?.marketingConsent ?? MarketingConsent()
        return MarketingConsent(email: edit.consent.email ?? server.email, whatsapp: edit.consent.whatsapp ?? server.whatsapp)
    }

    /// The update that `s` then `y` sends: only what changed.
    public var pendingUpdate: ContactUpdate {
        var consent = MarketingConsent()
        let server = contact?.marketingConsent
        if let email = edit.consent.email, email != server?.email { consent.email = email }
        if let whatsapp = edit.consent.whatsapp, whatsapp != server?.whatsapp { consent.whatsapp = whatsapp }
        return ContactUpdate(customFields: edit.fields, marketingConsent: consent)
    }
}

/// A row of the custom-fields editor.
public struct FieldRow: Sendable, Hashable {
    public enum Status: Sendable, Hashable { case unchanged, changed, added, deleted }
    public var key: String
    public var definition: CustomFieldDefinition?
    public var original: JSONValue?
    public var value: JSONValue
    public var status: Status

    public var label: String { definition?.displayName ?? key }
}

/// A profile's label for the status bar (`label = "PROD"`, `color = "red"`), so that a
/// production account never looks like a test one.
public struct ProfileLabel: Sendable, Hashable {
    public var text: String
    /// `red`, `yellow`, `green` or `blue`; drawn as a reversed badge in that colour.
    public var color: String?

    public init(text: String, color: String?) {
        self.text = text
        self.color = color
    }

    var style: CellStyle {
        switch color {
        case "red": CellStyle(.danger, bold: true, reverse: true)
        case "yellow": CellStyle(.warning, bold: true, reverse: true)
        case "green": CellStyle(.success, bold: true, reverse: true)
        case "blue": CellStyle(.accent, bold: true, reverse: true)
        default: CellStyle(.normal, bold: true, reverse: true)
        }
    }
}
