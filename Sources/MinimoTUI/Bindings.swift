/// Where a key is live. The main screen's panes layer their own keys over `global` and `move`;
/// the request log and the outbox view have their own keys over `move`; the help and
/// `:messages` take `move` only (any other key closes them).
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global, move, list, fields, consent, log, outbox

    /// The heading of this context in the help and in `minimo keys`.
    public var title: String {
        switch self {
        case .global: "Everywhere on the main screen"
        case .move: "Moving (lists, the raw view, the help, the log, the outbox)"
        case .list: "Contact list"
        case .fields: "Custom fields"
        case .consent: "Consent"
        case .log: "Request log and one exchange"
        case .outbox: "Outbox view"
        }
    }

    /// The contexts whose keys are live at the same time as this one's, this one first: a key
    /// may do only one thing among them.
    public var stack: [KeyContext] {
        switch self {
        case .global: [.global, .move]
        case .move: [.move]
        case .list, .fields, .consent: [self, .global, .move]
        case .log, .outbox: [self, .move]
        }
    }
}

/// When a binding's status-bar hint is worth its room.
public enum HintCondition: Sendable, Hashable {
    case always
    case contactOpen
    /// The list has more than one column to sort by.
    case listSortable
    case hasMarks
    case bulkRunning
}

/// A binding's place in the status bar: the label (a shorter one for narrow terminals) and a
/// priority (lower shows first and goes last).
public struct BindingHint: Sendable, Hashable {
    public var label: String
    public var shortLabel: String
    public var priority: Int
    public var when: HintCondition

    public init(_ label: String, short: String? = nil, priority: Int, when: HintCondition = .always) {
        self.label = label
        self.shortLabel = short ?? label
        self.priority = priority
        self.when = when
    }
}

/// One row of the bindings table: in this context, these keys do this action.
public struct KeyBinding: Sendable, Hashable {
    public var context: KeyContext
    public var action: KeyAction
    public var keys: [KeyEvent]
    /// What the key does, for the help, `minimo keys` and the README.
    public var help: String
    public var hint: BindingHint?
    /// The action changes contacts: a read-only profile refuses it, saying why.
    public var changesContacts: Bool
    /// The config line that set the keys, nil for the defaults (a clash names it).
    public var line: Int?

    public init(
        _ context: KeyContext, _ action: KeyAction, _ keys: [KeyEvent], _ help: String, hint: BindingHint? = nil,
        changesContacts: Bool = false
    ) {
        self.context = context
        self.action = action
        self.keys = keys
        self.help = help
        self.hint = hint
        self.changesContacts = changesContacts
    }
}

/// A `[keys.CONTEXT]` line of `config.toml`: `save = ["s", "ctrl-s"]`.
public struct KeyOverride: Sendable, Hashable {
    public var context: String
    public var action: String
    public var keys: [String]
    public var line: Int

    public init(context: String, action: String, keys: [String], line: Int) {
        self.context = context
        self.action = action
        self.keys = keys
        self.line = line
    }
}

/// Why the `[keys]` of a config file cannot be used: the line, and a sentence.
public struct BindingError: Error, Sendable, Hashable {
    public var line: Int
    public var message: String
}

/// The bindings in effect: the defaults with the user's `[keys]` over them. One table drives
/// the dispatch of keys, the `?` help, the status-bar hints and `minimo keys`.
///
/// Not in the table, on purpose: Ctrl-C (always quits), Esc (always closes or leaves), the
/// `y`/`n` of questions and reviews, the letters of the bulk menu (it lists them), and the
/// keys of the line editor and the search box (they type text).
public struct Bindings: Sendable {
    public private(set) var entries: [KeyBinding]
    private var index: [KeyContext: [KeyEvent: KeyBinding]] = [:]

    init(entries: [KeyBinding]) {
        self.entries = entries
        for entry in entries {
            for key in entry.keys { index[entry.context, default: [:]][key] = entry }
        }
    }

    /// The binding of a key where `context`'s stack is live (the context's own keys first).
    public func binding(for key: KeyEvent, in context: KeyContext) -> KeyBinding? {
        for layer in context.stack {
            if let binding = index[layer]?[key] { return binding }
        }
        return nil
    }

    /// The action of a key where `context`'s stack is live.
    public func action(for key: KeyEvent, in context: KeyContext) -> KeyAction? {
        binding(for: key, in: context)?.action
    }

    /// The action of a key among one context's own keys only.
    public func ownAction(for key: KeyEvent, in context: KeyContext) -> KeyAction? {
        index[context]?[key]?.action
    }

    public func binding(_ action: KeyAction, in context: KeyContext) -> KeyBinding? {
        entries.first { $0.context == context && $0.action == action }
    }

    public func keys(_ action: KeyAction, in context: KeyContext) -> [KeyEvent] {
        binding(action, in: context)?.keys ?? []
    }

    /// The first key of an action as the screen shows it (`s`, `Ctrl-S`), for hints and
    /// messages ("O to resolve"); `:` commands are the way in when the user unbound it.
    public func label(_ action: KeyAction, in context: KeyContext) -> String {
        keys(action, in: context).first.map(KeyName.display) ?? "(unbound)"
    }

    /// The status-bar hints where `context` is live, most important first.
    public func hints(in context: KeyContext, when holds: (HintCondition) -> Bool) -> [KeyHint] {
        context.stack.flatMap { layer in entries.filter { $0.context == layer } }
            .compactMap { entry -> (BindingHint, KeyEvent)? in
                guard let hint = entry.hint, holds(hint.when), let key = entry.keys.first else { return nil }
                return (hint, key)
            }
            .sorted { $0.0.priority < $1.0.priority }
            .map { KeyHint(key: KeyName.display($0.1), label: $0.0.label, shortLabel: $0.0.shortLabel) }
    }

    /// The defaults with the user's `[keys]` over them: an override replaces every key of its
    /// action (`[]` unbinds it). Unknown contexts, actions and key names, and a key doing two
    /// things where both are live, are errors naming the line.
    public func applying(_ overrides: [KeyOverride]) throws(BindingError) -> Bindings {
        var entries = self.entries
        for override in overrides {
            guard let context = KeyContext(rawValue: override.context) else {
                throw BindingError(
                    line: override.line,
                    message: "unknown key context [keys.\(override.context)] (contexts: \(KeyContext.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let position = entries.firstIndex(where: { $0.context == context && $0.action.rawValue == override.action }) else {
                let known = entries.filter { $0.context == context }.map(\.action.rawValue).joined(separator: ", ")
                throw BindingError(line: override.line, message: "unknown action '\(override.action)' in [keys.\(context.rawValue)] (actions: \(known))")
            }
            var keys: [KeyEvent] = []
            for name in override.keys {
                switch KeyName.parse(name) {
                case .success(let key): if !keys.contains(key) { keys.append(key) }
                case .failure(let problem): throw BindingError(line: override.line, message: problem.message)
                }
            }
            entries[position].keys = keys
            entries[position].line = override.line
        }
        try Self.checkClashes(entries)
        return Bindings(entries: entries)
    }

    /// A key may do one thing where it is live: in each stack of contexts, no key twice.
    static func checkClashes(_ entries: [KeyBinding]) throws(BindingError) {
        for context in KeyContext.allCases {
            var seen: [KeyEvent: KeyBinding] = [:]
            for layer in context.stack {
                for entry in entries where entry.context == layer {
                    for key in entry.keys {
                        if let other = seen[key], other != entry {
                            let (blamed, kept) = (entry.line ?? 0) >= (other.line ?? 0) ? (entry, other) : (other, entry)
                            throw BindingError(
                                line: blamed.line ?? 0,
                                message: "'\(KeyName.configName(key))' would do two things: \(blamed.action.rawValue) in [keys.\(blamed.context.rawValue)]"
                                    + " and \(kept.action.rawValue) in [keys.\(kept.context.rawValue)], which are live together; bind one of them to another key")
                        }
                        seen[key] = entry
                    }
                }
            }
        }
    }
}
