/// One character cell of a `GridCanvas`.
///
/// A wide character (CJK, emoji) occupies two cells: the first holds the character and
/// `width == 2`; the second is a continuation with empty `text` and `width == 0`, so a diff
/// can tell that writing either half means rewriting both.
public struct Cell: Sendable, Hashable {
    /// The grapheme cluster shown here; `" "` for blank, `""` for the right half of a wide one.
    public var text: String
    /// Columns the cluster takes: 1, 2, or 0 for a continuation.
    public var width: Int
    public var style: CellStyle

    public init(text: String, width: Int, style: CellStyle) {
        self.text = text
        self.width = width
        self.style = style
    }

    public static func blank(_ style: CellStyle = .normal) -> Cell { Cell(text: " ", width: 1, style: style) }

    public var isContinuation: Bool { width == 0 }
}
