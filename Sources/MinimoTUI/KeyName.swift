/// Key names as `config.toml` writes them (`"s"`, `"ctrl-s"`, `"pgdn"`, `"shift-tab"`) and as
/// the help and the status bar show them (`s`, `Ctrl-S`, `PgDn`, `Shift-Tab`).
///
/// A single character is itself, case and all (`"G"` is not `"g"`); named keys ignore case
/// (`"Enter"`, `"enter"`) and take the common spellings (`"return"`, `"escape"`, `"pagedown"`).
public enum KeyName {
    /// Why a key name cannot be bound: a sentence.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
    }

    public static func parse(_ text: String) -> Result<KeyEvent, Problem> {
        if text.count == 1, let character = text.first {
            if character == " " { return .success(.character(" ")) }
            guard !character.isWhitespace, character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                return .failure(Problem(message: "'\(text.debugDescription.dropFirst().dropLast())' is not a key name"))
            }
            return .success(.character(character))
        }
        let lower = text.lowercased()
        if let named = named[lower] { return .success(named) }
        for prefix in ["ctrl-", "ctrl+", "c-", "^"] where lower.hasPrefix(prefix) {
            let rest = lower.dropFirst(prefix.count)
            guard rest.count == 1, let letter = rest.first, letter.isASCII, letter.isLetter else { break }
            switch letter {
            case "c": return .failure(Problem(message: "ctrl-c always quits: it cannot be bound"))
            case "h": return .failure(Problem(message: "ctrl-h is what Backspace sends in most terminals: bind \"backspace\""))
            case "i": return .failure(Problem(message: "ctrl-i is what Tab sends in a terminal: bind \"tab\""))
            case "j", "m": return .failure(Problem(message: "ctrl-\(letter) is what Enter sends in a terminal: bind \"enter\""))
            default: return .success(.control(letter))
            }
        }
        if lower.hasPrefix("f"), let number = Int(lower.dropFirst()), (1...12).contains(number) {
            return .success(.function(number))
        }
        return .failure(Problem(message: "unknown key name '\(text)' (a character like \"s\" or \"G\", ctrl-LETTER, f1…f12, or one of: \(namedList))"))
    }

    /// How the help, the hints and `minimo keys` show a key.
    public static func display(_ key: KeyEvent) -> String {
        switch key {
        case .character(" "): "Space"
        case .character(let character): String(character)
        case .control(let letter): "Ctrl-" + letter.uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .insert: "Ins"
        case .function(let number): "F\(number)"
        case .resize: "resize"
        case .unknown(let code): "key \(code)"
        }
    }

    /// How `config.toml` writes a key (what `parse` reads back).
    public static func configName(_ key: KeyEvent) -> String {
        switch key {
        case .character(" "): "space"
        case .character(let character): String(character)
        case .control(let letter): "ctrl-\(letter)"
        case .function(let number): "f\(number)"
        default: canonical.first { $0.value == key }?.key ?? display(key).lowercased()
        }
    }

    private static let canonical: [(key: String, value: KeyEvent)] = [
        ("up", .up), ("down", .down), ("left", .left), ("right", .right), ("pgup", .pageUp), ("pgdn", .pageDown),
        ("home", .home), ("end", .end), ("tab", .tab), ("shift-tab", .backTab), ("enter", .enter), ("esc", .escape),
        ("space", .character(" ")), ("backspace", .backspace), ("delete", .delete), ("insert", .insert),
    ]

    private static let named: [String: KeyEvent] = {
        var names = Dictionary(uniqueKeysWithValues: canonical.map { ($0.key, $0.value) })
        let aliases: [String: KeyEvent] = [
            "return": .enter, "escape": .escape, "pageup": .pageUp, "page_up": .pageUp, "page-up": .pageUp,
            "pagedown": .pageDown, "page_down": .pageDown, "page-down": .pageDown, "backtab": .backTab, "shift+tab": .backTab,
            "del": .delete, "ins": .insert, "↑": .up, "↓": .down, "←": .left, "→": .right,
        ]
        names.merge(aliases) { first, _ in first }
        return names
    }()

    private static var namedList: String { canonical.map(\.key).joined(separator: ", ") }
}
