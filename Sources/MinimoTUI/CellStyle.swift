/// How one cell looks: a semantic colour role plus text attributes.
///
/// A value type compared cell by cell when the screen diffs frames, so it stays small.
public struct CellStyle: Sendable, Hashable {
    public var role: ColorRole
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(_ role: ColorRole = .normal, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    public static let normal = CellStyle()
    public static let dim = CellStyle(.dim)
    public static let accent = CellStyle(.accent)
    public static let selection = CellStyle(.selection)
    public static let warning = CellStyle(.warning)
    public static let danger = CellStyle(.danger)
    public static let success = CellStyle(.success)
    public static let border = CellStyle(.border)
    public static let keyHint = CellStyle(.keyHint, bold: true)

    /// The same style in bold.
    public var bolded: CellStyle {
        var copy = self
        copy.bold = true
        return copy
    }
}
