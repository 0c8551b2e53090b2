/// The inline editor for one value: text plus a cursor, edited the way a shell line is.
///
/// A pure value type, so the reducer owns it and tests drive it without a terminal. The cursor
/// counts grapheme clusters (what a person sees as one character: `é`, `山`, `👩‍💻`), never bytes
/// or scalars, so no key can leave half a character behind. Keys follow readline: arrows,
/// Home/End, Ctrl-A/E/K/U/W, Backspace, Delete.
public struct LineEditor: Sendable, Hashable {
    public private(set) var text: String
    /// Clusters before the cursor, `0...text.count`.
    public private(set) var cursor: Int

    public init(text: String = "", cursor: Int? = nil) {
        self.text = text
        let count = text.count
        self.cursor = min(max(0, cursor ?? count), count)
    }

    private var characters: [Character] { Array(text) }

    // MARK: Editing

    /// Inserts at the cursor. A combining mark or joiner typed after a character joins it (curses
    /// delivers `e` and U+0301 as two keys), and the cursor stays after what was inserted.
    public mutating func insert(_ inserted: String) {
        guard !inserted.isEmpty else { return }
        let chars = characters
        let before = String(chars[..<cursor]) + inserted
        text = before + String(chars[cursor...])
        cursor = min(before.count, text.count)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(text.count, cursor + 1) }
    public mutating func moveToStart() { cursor = 0 }
    public mutating func moveToEnd() { cursor = text.count }

    /// Deletes the character before the cursor.
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        var chars = characters
        chars.remove(at: cursor - 1)
        cursor -= 1
        replace(with: chars)
    }

    /// Deletes the character under the cursor.
    public mutating func deleteForward() {
        var chars = characters
        guard cursor < chars.count else { return }
        chars.remove(at: cursor)
        replace(with: chars)
    }

    /// Ctrl-K: deletes from the cursor to the end.
    public mutating func killToEnd() {
        replace(with: Array(characters[..<cursor]))
    }

    /// Ctrl-U: deletes from the start to the cursor.
    public mutating func killToStart() {
        let rest = Array(characters[cursor...])
        cursor = 0
        replace(with: rest)
    }

    /// Ctrl-W: deletes the word before the cursor, and the blanks after it, as a shell does
    /// (words are separated by whitespace, so an email address goes in one stroke).
    public mutating func deleteWordBackward() {
        var chars = characters
        var start = cursor
        while start > 0, chars[start - 1].isWhitespace { start -= 1 }
        while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
        chars.removeSubrange(start..<cursor)
        cursor = start
        replace(with: chars)
    }

    private mutating func replace(with chars: [Character]) {
        text = String(chars)
        // Removing a character can let its neighbours join (two regional indicators become one
        // flag); keep the cursor inside the text whatever happens.
        cursor = min(cursor, text.count)
    }

    // MARK: Keys

    /// Applies an editing key. Returns false for keys the editor does not use (Enter, Esc, Tab,
    /// Up/Down...), which the caller handles: commit, cancel, move focus.
    @discardableResult
    public mutating func handle(_ key: KeyEvent) -> Bool {
        switch key {
        case .character(let character): insert(String(character))
        case .left, .control("b"): moveLeft()
        case .right, .control("f"): moveRight()
        case .home, .control("a"): moveToStart()
        case .end, .control("e"): moveToEnd()
        case .backspace: deleteBackward()
        case .delete, .control("d"): deleteForward()
        case .control("k"): killToEnd()
        case .control("u"): killToStart()
        case .control("w"): deleteWordBackward()
        default: return false
        }
        return true
    }

    // MARK: Display

    /// What to show in a field `width` columns wide, and the column of the cursor in it.
    ///
    /// Each character is shown as `TerminalText.sanitize` would show it, so a value holding an
    /// escape sequence is edited visibly and safely. When the text is wider than the field it
    /// scrolls by half a field at a time: a pure function of text and cursor, yet the view does
    /// not jump on every key. A wide character cut by the right edge shows as a space.
    public func visible(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 0 else { return ("", 0) }
        let cells = characters.map { character -> (String, Int) in
            let shown = TerminalText.sanitize(String(character))
            return (shown, TerminalText.displayWidth(shown))
        }
        var cursorColumn = 0
        for index in 0..<cursor { cursorColumn += cells[index].1 }
        // The cursor needs room for the character under it (or one blank at the end).
        let underCursor = cursor < cells.count ? max(1, cells[cursor].1) : 1
        var start = 0
        if cursorColumn + underCursor > width {
            let step = max(1, width / 2)
            let overflow = cursorColumn + underCursor - width
            start = min(cursorColumn, ((overflow + step - 1) / step) * step)
        }
        // Begin on a character boundary at or after `start`.
        var index = 0
        var column = 0
        while index < cells.count, column < start {
            column += cells[index].1
            index += 1
        }
        let offset = column
        var shown = ""
        var used = 0
        while index < cells.count {
            let (piece, pieceWidth) = cells[index]
            if used + pieceWidth > width {
                // What does not fit: an escape like `\x1B` is cut, a wide character leaves a
                // space where its first half would be.
                let room = width - used
                let cut = TerminalText.prefix(piece, columns: room)
                shown += cut + String(repeating: " ", count: room - TerminalText.displayWidth(cut))
                break
            }
            shown += piece
            used += pieceWidth
            index += 1
        }
        return (shown, min(cursorColumn - offset, width - 1))
    }
}
