/// An in-memory screen: the canvas tests draw on, and the frame `TerminalScreen` diffs.
///
/// Tests compare whole screens written as text (`lines()`), the way ratatui's `TestBackend`
/// does, and ask for a cell's style where colour matters. A value type, so keeping the previous
/// frame for a diff is a copy.
public struct GridCanvas: Canvas, Sendable, Hashable {
    public private(set) var size: TerminalSize
    private var cells: [Cell]

    public init(columns: Int, rows: Int) {
        size = TerminalSize(columns: columns, rows: rows)
        cells = Array(repeating: .blank(), count: size.columns * size.rows)
    }

    public init(size: TerminalSize) {
        self.init(columns: size.columns, rows: size.rows)
    }

    // MARK: Reading

    public func cell(row: Int, column: Int) -> Cell {
        precondition(bounds.contains(row: row, column: column), "cell (\(row),\(column)) outside \(size)")
        return cells[row * size.columns + column]
    }

    /// The style of one cell; for a wide character's right half, the style it was written in.
    public func style(row: Int, column: Int) -> CellStyle {
        cell(row: row, column: column).style
    }

    /// One row as text. Wide characters appear once (they take two columns on screen).
    public func line(_ row: Int, trimmingTrailingSpaces: Bool = true) -> String {
        var text = ""
        for column in 0..<size.columns { text += cells[row * size.columns + column].text }
        guard trimmingTrailingSpaces else { return text }
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The screen as text, one string per row. Trailing spaces are trimmed by default so tests
    /// can write expected screens without counting blanks; pass `false` to check padding.
    public func lines(trimmingTrailingSpaces: Bool = true) -> [String] {
        (0..<size.rows).map { line($0, trimmingTrailingSpaces: trimmingTrailingSpaces) }
    }

    /// One row's styles as letters, for tests about colour: each cell gives `legend[role]`
    /// (`"."` for a role not in the legend), both halves of a wide character included.
    public func styleLine(_ row: Int, legend: [ColorRole: Character]) -> String {
        String((0..<size.columns).map { legend[cells[row * size.columns + $0].style.role] ?? "." })
    }

    // MARK: Drawing

    @discardableResult
    public mutating func put(text: String, row: Int, column: Int, style: CellStyle, limit: Int?) -> Int {
        let right = min(size.columns, limit ?? size.columns)
        guard row >= 0, row < size.rows, column < right else { return column }
        // Printable ASCII (most of a frame): a cell a byte, no grapheme walk.
        if column >= 0, TerminalText.printableASCIIWidth(text) != nil {
            var position = column
            for byte in text.utf8 {
                if position >= right { break }
                set(row: row, column: position, Cell(text: String(UnicodeScalar(byte)), width: 1, style: style))
                position += 1
            }
            return min(position, right)
        }
        var position = column
        var lastWritten: Int?
        for character in text {
            if position >= right { break }
            let width = TerminalText.width(of: character)
            if width == 0 {
                // A lone mark or format character: it belongs to the cell before it.
                if let lastWritten {
                    cells[row * size.columns + lastWritten].text.append(character)
                }
                continue
            }
            if position < 0 {
                // Left of the canvas; a wide character straddling column 0 leaves a space.
                if position + width > 0 { set(row: row, column: 0, .blank(style)) }
                position += width
                continue
            }
            if position + width > right {
                // Would straddle the edge: a space instead, as a terminal would show nothing.
                set(row: row, column: position, .blank(style))
                lastWritten = nil
                position += 1
                break
            }
            set(row: row, column: position, Cell(text: String(character), width: width, style: style))
            lastWritten = position
            position += width
        }
        return min(position, right)
    }

    public mutating func fill(_ rect: Rect, with character: Character, style: CellStyle) {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        let width = max(1, TerminalText.width(of: character))
        for row in area.row..<area.maxRow {
            var column = area.column
            while column < area.maxColumn {
                if column + width > area.maxColumn {
                    set(row: row, column: column, .blank(style))
                    column += 1
                } else {
                    set(row: row, column: column, Cell(text: String(character), width: width, style: style))
                    column += width
                }
            }
        }
    }

    public mutating func clear() {
        for index in cells.indices { cells[index] = .blank() }
    }

    /// Writes one cell (and the continuation of a wide one), blanking halves of wide
    /// characters it overlaps so the grid never holds half a character.
    private mutating func set(row: Int, column: Int, _ cell: Cell) {
        let base = row * size.columns
        let span = min(cell.width, size.columns - column)
        // The left neighbour's wide character loses its right half.
        if cells[base + column].isContinuation, column > 0 {
            cells[base + column - 1] = .blank(cells[base + column - 1].style)
        }
        // A wide character whose left half we cover loses its right half.
        let last = column + span - 1
        if cells[base + last].width == 2, last + 1 < size.columns {
            cells[base + last + 1] = .blank(cells[base + last + 1].style)
        }
        cells[base + column] = cell
        if span == 2 {
            cells[base + column + 1] = Cell(text: "", width: 0, style: cell.style)
        }
    }

    // MARK: Diffing

    /// The runs of cells that differ from `previous`, each a stretch of one row in one style,
    /// so the terminal rewrites only what changed. A different size means everything changed.
    /// A changed half of a wide character brings its other half along.
    public func changedRuns(since previous: GridCanvas?) -> [CellRun] {
        let everything = previous == nil || previous?.size != size
        var runs: [CellRun] = []
        for row in 0..<size.rows {
            let base = row * size.columns
            var changed = (0..<size.columns).map { everything || cells[base + $0] != previous!.cells[base + $0] }
            for column in 0..<size.columns where changed[column] {
                if cells[base + column].isContinuation, column > 0 { changed[column - 1] = true }
                if cells[base + column].width == 2, column + 1 < size.columns { changed[column + 1] = true }
            }
            var column = 0
            while column < size.columns {
                guard changed[column] else {
                    column += 1
                    continue
                }
                let style = cells[base + column].style
                var run = CellRun(row: row, column: column, cells: [])
                while column < size.columns, changed[column], cells[base + column].style == style
                    || cells[base + column].isContinuation
                {
                    run.cells.append(cells[base + column])
                    column += 1
                }
                runs.append(run)
            }
        }
        return runs
    }
}
