/// How a `CellStyle` is expressed on the real terminal: a colour pair and attribute flags.
///
/// Kept free of curses types so the palette is tested without a terminal; `TerminalScreen`
/// turns it into `attr_t` bits.
public struct TerminalAttributes: Sendable, Hashable {
    /// The curses colour pair, 0 for the terminal's own colours.
    public var pair: Int16
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(pair: Int16 = 0, bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.pair = pair
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }
}
