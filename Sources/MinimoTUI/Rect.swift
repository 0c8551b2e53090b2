/// A rectangle of cells on the screen: where a pane, a box or a view draws.
///
/// Zero-based, with `column`/`row` for the top-left cell, so views never confuse x/y order.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var column: Int
    public var row: Int
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(column: 0, row: 0, width: 0, height: 0)

    public var isEmpty: Bool { width == 0 || height == 0 }
    /// One past the last column.
    public var maxColumn: Int { column + width }
    /// One past the last row.
    public var maxRow: Int { row + height }

    /// The rectangle shrunk by `amount` on every side (a box's inside).
    public func inset(by amount: Int) -> Rect {
        Rect(column: column + amount, row: row + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    public func contains(row: Int, column: Int) -> Bool {
        row >= self.row && row < maxRow && column >= self.column && column < maxColumn
    }

    /// The part of both rectangles, or an empty rectangle.
    public func intersection(_ other: Rect) -> Rect {
        let left = max(column, other.column)
        let top = max(row, other.row)
        let right = min(maxColumn, other.maxColumn)
        let bottom = min(maxRow, other.maxRow)
        guard right > left, bottom > top else { return Rect(column: left, row: top, width: 0, height: 0) }
        return Rect(column: left, row: top, width: right - left, height: bottom - top)
    }

    public var description: String { "(\(column),\(row) \(width)×\(height))" }
}
