/// What a cell shows under a locale that is not UTF-8, where curses cannot print anything but
/// ASCII: the box and status symbols the app draws get ASCII look-alikes, other characters a
/// `?` per column, so columns stay aligned and nothing garbles.
public enum AsciiFallback: Sendable {
    static let lookAlikes: [Character: String] = [
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+",
        "┼": "+", "·": "-", "…": "~", "›": ">", "•": "*", "●": "*", "○": "o", "✓": "v", "✗": "x", "▲": "^", "▼": "v",
        "×": "x", "←": "<", "→": ">", "↑": "^", "↓": "v", "“": "\"", "”": "\"", "‘": "'", "’": "'", "–": "-", "—": "-",
    ]

    /// The ASCII text for a cell of `width` columns (a continuation, width 0, stays empty).
    public static func text(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        if text.unicodeScalars.allSatisfy(\.isASCII) { return text }
        if width == 1, let character = text.first, let ascii = lookAlikes[character] { return ascii }
        return String(repeating: "?", count: width)
    }
}
