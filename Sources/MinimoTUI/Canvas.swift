/// Where views draw: a grid of cells addressed by row and column.
///
/// Views are functions from state to cells on a `Canvas`, nothing else, so the same view draws
/// on the real terminal (`TerminalScreen`) and in tests (`GridCanvas`). Text is measured in
/// display columns of grapheme clusters; anything past the edge is clipped, never wrapped.
/// Callers sanitise text from outside with `TerminalText.sanitize` before putting it.
public protocol Canvas {
    var size: TerminalSize { get }

    /// Writes `text` from (`row`, `column`), clipped at the canvas edge and at `limit` (an
    /// exclusive column bound, for views drawing inside a pane). A wide character that would
    /// straddle the bound is replaced by a space. Returns the column after the last cell written.
    @discardableResult
    mutating func put(text: String, row: Int, column: Int, style: CellStyle, limit: Int?) -> Int

    /// Paints every cell of `rect` (clipped to the canvas) with `character` in `style`.
    mutating func fill(_ rect: Rect, with character: Character, style: CellStyle)

    /// Blanks the whole canvas in the normal style.
    mutating func clear()
}

extension Canvas {
    /// The whole canvas as a rectangle.
    public var bounds: Rect { Rect(column: 0, row: 0, width: size.columns, height: size.rows) }

    /// Writes `text`, clipped only at the canvas edge.
    @discardableResult
    public mutating func put(text: String, row: Int, column: Int, style: CellStyle = .normal) -> Int {
        put(text: text, row: row, column: column, style: style, limit: nil)
    }

    /// Writes `text` inside `rect` on its line `line` (0-based), clipped to the rectangle.
    @discardableResult
    public mutating func put(text: String, line: Int, in rect: Rect, offset: Int = 0, style: CellStyle = .normal) -> Int {
        guard line >= 0, line < rect.height, offset < rect.width else { return rect.column + max(0, offset) }
        return put(text: text, row: rect.row + line, column: rect.column + max(0, offset), style: style, limit: rect.maxColumn)
    }

    /// Blanks `rect` in `style`.
    public mutating func fill(_ rect: Rect, style: CellStyle = .normal) {
        fill(rect, with: " ", style: style)
    }
}
