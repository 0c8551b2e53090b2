extension TerminalText {
    /// Breaks sanitised text into lines of at most `columns` display columns, at spaces where
    /// it can and inside a word only when the word alone is wider than a line.
    public static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            var rest = word
            var restWidth = displayWidth(rest)
            if lineWidth > 0, lineWidth + 1 + restWidth <= columns {
                line += " " + rest
                lineWidth += 1 + restWidth
                continue
            }
            if lineWidth > 0 {
                lines.append(line)
                line = ""
                lineWidth = 0
            }
            while restWidth > columns {
                let head = prefix(rest, columns: columns)
                guard !head.isEmpty else { break }  // a character wider than the line
                lines.append(head)
                rest.removeFirst(head.count)
                restWidth = displayWidth(rest)
            }
            line = rest
            lineWidth = restWidth
        }
        if lineWidth > 0 || lines.isEmpty { lines.append(line) }
        return lines
    }
}
