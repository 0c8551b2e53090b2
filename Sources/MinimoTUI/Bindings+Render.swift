/// The bindings table as people read it: the `?` help, `minimo keys`, and the README's table
/// (which is `minimo keys --markdown`, checked by a test).
extension Bindings {
    /// The keys of a binding as one cell: `s  Ctrl-S`, or `(unbound)`.
    public static func keyList(_ binding: KeyBinding) -> String {
        binding.keys.isEmpty ? "(unbound)" : binding.keys.map(KeyName.display).joined(separator: "  ")
    }

    /// The help's rows: a heading per context, then (keys, what they do); then the fixed keys.
    public var helpSections: [(title: String, rows: [(keys: String, help: String)])] {
        var sections = KeyContext.allCases.map { context in
            (title: context.title, rows: entries.filter { $0.context == context }.map { (keys: Self.keyList($0), help: $0.help) })
        }
        sections.append((title: "Fixed keys", rows: Self.fixedKeys))
        return sections
    }

    /// `minimo keys`: the table in effect, a section per context, with the names
    /// `config.toml` takes (`[keys.CONTEXT]`, `action = ["key", ...]`).
    public var plainText: String {
        var lines: [String] = []
        let actionWidth = entries.map(\.action.rawValue.count).max() ?? 10
        let keyWidth = min(24, entries.map { TerminalText.displayWidth(Self.keyList($0)) }.max() ?? 10)
        for context in KeyContext.allCases {
            lines.append("[keys.\(context.rawValue)]  \(context.title)")
            for entry in entries where entry.context == context {
                let keys = Self.keyList(entry)
                let padding = String(repeating: " ", count: max(1, keyWidth - TerminalText.displayWidth(keys) + 2))
                let action = entry.action.rawValue.padding(toLength: actionWidth + 2, withPad: " ", startingAt: 0)
                let changed = entry.line.map { "  (config line \($0))" } ?? ""
                lines.append("  \(action)\(keys)\(padding)\(entry.help)\(changed)")
            }
            lines.append("")
        }
        lines.append("Fixed keys (not remappable)")
        for fixed in Self.fixedKeys { lines.append("  \(fixed.keys): \(fixed.help)") }
        return lines.joined(separator: "\n")
    }

    /// `minimo keys --markdown`: the README's key table.
    public var markdown: String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        func code(_ key: KeyEvent) -> String {
            let shown = KeyName.display(key)
            return shown == "`" ? "`` ` ``" : "`\(cell(shown))`"
        }
        var lines = ["| context | action | keys | what it does |", "| --- | --- | --- | --- |"]
        for entry in entries {
            let keys = entry.keys.isEmpty ? "(unbound)" : entry.keys.map(code).joined(separator: " ")
            lines.append("| `\(entry.context.rawValue)` | `\(entry.action.rawValue)` | \(keys) | \(cell(entry.help)) |")
        }
        lines.append("")
        lines.append("Not remappable:")
        lines.append("")
        for fixed in Self.fixedKeys { lines.append("- **\(cell(fixed.keys))**: \(cell(fixed.help))") }
        return lines.joined(separator: "\n")
    }
}
