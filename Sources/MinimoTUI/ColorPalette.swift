/// The one place that decides what each `ColorRole` looks like on a terminal.
///
/// In colour, each role but `normal` has a curses colour pair (the background is the
/// terminal's own where `use_default_colors` works, so the app fits light and dark themes).
/// Without colours (`TERM=vt100`, `NO_COLOR`), roles fall back to attributes: the selection is
/// reversed, warnings bold, dangers bold and reversed, so nothing that matters relies on colour.
public struct ColorPalette: Sendable, Hashable {
    /// Curses colour numbers (`COLOR_BLACK`...), copied so the palette needs no C module.
    public enum Colour: Sendable {
        public static let terminalDefault: Int16 = -1
        public static let black: Int16 = 0
        public static let red: Int16 = 1
        public static let green: Int16 = 2
        public static let yellow: Int16 = 3
        public static let blue: Int16 = 4
        public static let magenta: Int16 = 5
        public static let cyan: Int16 = 6
        public static let white: Int16 = 7
    }

    public let usesColour: Bool
    /// The background of pairs: the terminal's own, or black where it cannot be kept.
    public let background: Int16

    public init(usesColour: Bool, defaultBackground: Bool = true) {
        self.usesColour = usesColour
        background = defaultBackground ? Colour.terminalDefault : Colour.black
    }

    /// Whether the terminal should draw in colour: it must support colour, and `NO_COLOR` (any
    /// non-empty value, per no-color.org) turns it off.
    public static func wantsColour(hasColours: Bool, environment: [String: String]) -> Bool {
        guard hasColours else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return true
    }

    /// The roles with their own pair, in pair-number order (pair 1 is the first).
    static let pairedRoles: [ColorRole] = [.accent, .selection, .warning, .danger, .success, .border, .keyHint]

    /// The colour pairs to register with `init_pair`, as (pair, foreground, background).
    public var pairs: [(pair: Int16, foreground: Int16, background: Int16)] {
        guard usesColour else { return [] }
        return Self.pairedRoles.enumerated().map { index, role in
            let (foreground, background) = colours(of: role)
            return (Int16(index + 1), foreground, background)
        }
    }

    func colours(of role: ColorRole) -> (Int16, Int16) {
        switch role {
        case .normal, .dim: return (Colour.terminalDefault, background)
        case .accent: return (Colour.cyan, background)
        case .selection: return (Colour.black, Colour.cyan)
        case .warning: return (Colour.yellow, background)
        case .danger: return (Colour.red, background)
        case .success: return (Colour.green, background)
        case .border: return (Colour.blue, background)
        case .keyHint: return (Colour.black, Colour.white)
        }
    }

    /// The pair and attributes for a style.
    public func attributes(for style: CellStyle) -> TerminalAttributes {
        var result = TerminalAttributes(bold: style.bold, reverse: style.reverse, underline: style.underline)
        if usesColour {
            if let index = Self.pairedRoles.firstIndex(of: style.role) { result.pair = Int16(index + 1) }
            if style.role == .dim { result.dim = true }
            return result
        }
        switch style.role {
        case .normal, .success, .border: break
        case .dim: result.dim = true
        case .accent: result.bold = true
        case .selection, .keyHint: result.reverse = true
        case .warning: result.bold = true
        case .danger:
            result.bold = true
            result.reverse = true
        }
        return result
    }
}
