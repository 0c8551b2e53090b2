/// What the event loop needs of a terminal: a canvas to draw the frame on, keys, and the few
/// things only a terminal does (the clipboard, handing itself to `$EDITOR`, noticing that it
/// went away).
///
/// Two implementations: `TerminalScreen` (ncurses, the only code that calls curses) and
/// `HeadlessTerminal` (an in-memory grid, keys from a queue), which lets tests drive the real
/// loop in-process. A class: the loop draws on it and reads from it through one reference.
public protocol Terminal: Canvas, AnyObject {
    /// Unicode line drawing and text; false draws ASCII.
    var unicode: Bool { get }

    /// Waits up to `timeoutMilliseconds` for a key, or until `wake` (the read end of a pipe)
    /// becomes readable: then drains it and returns nil at once, so work finished elsewhere is
    /// drawn without waiting out the timeout. `.resize` when the size changed (`size` is new).
    func readKey(timeoutMilliseconds: Int32, wake: Int32?) -> KeyEvent?

    /// Shows the frame drawn since the last one; `cursor` shows the terminal cursor there (the
    /// line editor), otherwise it is hidden.
    func present(cursor: (row: Int, column: Int)?)

    /// Forgets what the terminal shows: the next `present` repaints all of it (Ctrl-L).
    func forceRedraw()

    /// Gives the terminal back (the shell prompt returns). Idempotent.
    func end()

    /// The signal that should end the session (SIGHUP when the terminal went away, SIGTERM),
    /// or nil while it goes on.
    func endingSignal() -> Int32?

    /// Whether an OSC 52 copy reaches a clipboard (inside tmux with `set-clipboard off` it is
    /// dropped: the copy is then shown to be selected by hand).
    var clipboardReachable: Bool { get }

    /// Puts `text` on the clipboard (OSC 52, which works over SSH).
    func copyToClipboard(_ text: String)

    /// Hands the terminal to another program (`$EDITOR`) while `body` runs, then takes it back
    /// and repaints.
    func suspend<T>(while body: () -> T) -> T
}
