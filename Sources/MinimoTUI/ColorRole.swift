/// What a piece of text means, which decides its colours.
///
/// Views say what they draw (a warning, the selection, a key hint) and the terminal picks the
/// colours, or the attributes under monochrome, so no view names a raw curses colour and the
/// whole palette can change in one place (`ColorPalette`).
public enum ColorRole: Sendable, Hashable, CaseIterable {
    /// Ordinary text on the terminal's own background.
    case normal
    /// Secondary text: labels, placeholders, stale values.
    case dim
    /// Headings, the focused pane's border, things to look at.
    case accent
    /// The selected line of a list.
    case selection
    /// Needs attention soon (quota under 20%, stale data).
    case warning
    /// Something failed or is exhausted (quota at 0, errors).
    case danger
    /// It worked (online, saved).
    case success
    /// Box borders of panes without focus.
    case border
    /// A key in the hints (`/`, `q`): stands out from its label.
    case keyHint
}
