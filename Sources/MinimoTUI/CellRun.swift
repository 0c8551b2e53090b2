/// A stretch of changed cells on one row, in one style: what `TerminalScreen` writes per change.
///
/// Grouping by style keeps attribute switches (and so bytes to the terminal) down; the cells are
/// kept, not joined into a string, so each lands at its own column even if the terminal's idea
/// of a character's width differs from ours.
public struct CellRun: Sendable, Hashable {
    public var row: Int
    public var column: Int
    public var cells: [Cell]

    public init(row: Int, column: Int, cells: [Cell]) {
        self.row = row
        self.column = column
        self.cells = cells
    }

    public var style: CellStyle { cells.first?.style ?? .normal }

    /// The run as text (wide characters once).
    public var text: String { cells.map(\.text).joined() }
}
