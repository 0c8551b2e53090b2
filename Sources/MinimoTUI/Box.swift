/// A bordered pane with a title on its top edge, as every pane of the TUI is drawn.
///
/// A trailing title on the right of the top edge carries details (status, timing, a count),
/// the way posting shows a response's status in its border. Titles are sanitised here, since
/// they often hold values from the API (a contact's email).
public struct Box: Sendable, Hashable {
    public var title: String
    public var trailingTitle: String
    /// The border's style: `.accent` for the focused pane, `.border` for the others.
    public var style: CellStyle
    public var titleStyle: CellStyle
    public var lines: LineDrawing

    public init(
        title: String = "", trailingTitle: String = "", style: CellStyle = .border, titleStyle: CellStyle? = nil,
        lines: LineDrawing = .unicode
    ) {
        self.title = title
        self.trailingTitle = trailingTitle
        self.style = style
        self.titleStyle = titleStyle ?? style.bolded
        self.lines = lines
    }

    /// Draws the border around `rect`, blanks the inside, and returns the inside for the content.
    /// A rectangle too small for a border (under 2×2) is only blanked.
    @discardableResult
    public func draw(in rect: Rect, on canvas: inout some Canvas) -> Rect {
        canvas.fill(rect, style: .normal)
        guard rect.width >= 2, rect.height >= 2 else { return Rect(column: rect.column, row: rect.row, width: 0, height: 0) }
        let right = rect.maxColumn - 1
        let bottom = rect.maxRow - 1
        let horizontal = String(repeating: lines.horizontal, count: rect.width - 2)
        canvas.put(text: String(lines.topLeft) + horizontal + String(lines.topRight), row: rect.row, column: rect.column, style: style)
        canvas.put(text: String(lines.bottomLeft) + horizontal + String(lines.bottomRight), row: bottom, column: rect.column, style: style)
        for row in (rect.row + 1)..<bottom {
            canvas.put(text: String(lines.vertical), row: row, column: rect.column, style: style)
            canvas.put(text: String(lines.vertical), row: row, column: right, style: style)
        }
        // The title starts after the corner and may fill the edge; the trailing title takes
        // what is left after one `─`, against the right corner.
        var leadingEnd = rect.column + 1
        let leading = TerminalText.sanitize(title)
        if !leading.isEmpty, rect.width >= 5 {
            let shown = " " + TerminalText.truncate(leading, columns: rect.width - 4) + " "
            leadingEnd = canvas.put(text: shown, row: rect.row, column: rect.column + 1, style: titleStyle, limit: right)
        }
        let trailing = TerminalText.sanitize(trailingTitle)
        let trailingRoom = right - (leadingEnd + 1)
        if !trailing.isEmpty, trailingRoom >= 5 {
            let text = " " + TerminalText.truncate(trailing, columns: trailingRoom - 2) + " "
            canvas.put(text: text, row: rect.row, column: right - TerminalText.displayWidth(text), style: style, limit: right)
        }
        return rect.inset(by: 1)
    }
}
