extension TerminalText {
    /// Breaks sanitised text into lines of at most `columns` display columns, at spaces where
    /// it can and inside a word only when the word alone is wider than a line. One pass over
    /// the characters: a 100k-character error message wraps in linear time.
    public static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        var word = ""
        var wordWidth = 0

        func flushWord() {
            guard wordWidth > 0 || !word.isEmpty else { return }
            if lineWidth > 0, lineWidth + 1 + wordWidth <= columns {
                line += " " + word
                lineWidth += 1 + wordWidth
            } else {
                if lineWidth > 0 { lines.append(line) }
                line = word
                lineWidth = wordWidth
            }
            word = ""
            wordWidth = 0
        }

        for character in text {
            if character == " " {
                flushWord()
                continue
            }
            let width = self.width(of: character)
            if wordWidth + width > columns {
                // The word alone is wider than a line: what fits goes out as a line of its own.
                if lineWidth > 0 {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                if wordWidth > 0 { lines.append(word) }
                word = ""
                wordWidth = 0
                if width > columns { continue }  // a character wider than the line
            }
            word.append(character)
            wordWidth += width
        }
        flushWord()
        if lineWidth > 0 || lines.isEmpty { lines.append(line) }
        return lines
    }
}
