import CNcurses
import Foundation

/// The real terminal: an ncurses session, and a `Canvas` that draws on it.
///
/// Views draw into a frame kept in memory; `present()` writes only the cells that differ from
/// the last frame shown, then refreshes once, so a list move costs a few bytes over SSH. Kept
/// thin on purpose: everything that can be decided without a terminal (diffing, key decoding,
/// colours, ASCII fallback) lives in pure types with tests.
///
/// The only code that calls curses (and writes to the terminal beside it: synchronized-output
/// marks, OSC 52). Curses is not thread-safe: one event loop owns the screen and calls it from
/// one thread. `@unchecked Sendable` only so that loop can be handed the screen when it starts.
public final class TerminalScreen: Terminal, @unchecked Sendable {
    /// How the session was set up, for the help overlay and for bug reports.
    public struct Capabilities: Sendable, Hashable {
        public var colours: Bool
        /// The locale encodes UTF-8: Unicode line drawing and text; otherwise ASCII.
        public var unicode: Bool
    }

    public enum StartError: Error, CustomStringConvertible {
        case alreadyRunning
        case notATerminal
        case unknownTerminal(String)
        case cannotAddressCursor(String)
        public var description: String {
            switch self {
            case .alreadyRunning: return "the terminal is already in use by this program"
            case .notATerminal: return "standard input and output must be a terminal"
            case .unknownTerminal(let name):
                return "the terminal type TERM=\(name) is unknown to terminfo; set TERM to one it knows (e.g. xterm-256color), or use the subcommands (minimo help)"
            case .cannotAddressCursor(let name):
                return "TERM=\(name) cannot move the cursor, which the TUI needs; use a terminal such as xterm-256color, or the subcommands (minimo help)"
            }
        }
    }

    nonisolated(unsafe) private static var active = false

    public let capabilities: Capabilities
    /// The line drawing boxes should use on this terminal.
    public var lineDrawing: LineDrawing { .choose(unicode: capabilities.unicode) }
    public var size: TerminalSize { frame.size }
    public var unicode: Bool { capabilities.unicode }
    /// Asked of tmux once, at the first copy (see `clipboardReachable(environment:)`).
    public private(set) lazy var clipboardReachable: Bool = Self.clipboardReachable(environment: environment)
    private let environment: [String: String]

    private let palette: ColorPalette
    /// Each frame is wrapped in DEC mode 2026 (synchronized output), so a slow SSH link never
    /// shows half of one: on when terminfo has `Sync` or the terminal is one known to support
    /// it; `MINIMO_SYNC_OUTPUT=1` or `0` decides instead. A terminal that does not know the mode
    /// ignores it.
    public let synchronizedOutput: Bool
    private var frame: GridCanvas
    /// What the terminal shows now; nil forces a full redraw.
    private var shown: GridCanvas?
    private var ended = false

    /// Takes over the terminal: locale, raw input (so Ctrl-C, Ctrl-S and Ctrl-Z reach the app),
    /// no echo, keypad decoding, a 25 ms Escape delay (Esc must answer within 50 ms), colours
    /// unless unsupported or `NO_COLOR`, and a restore of the terminal on exit and on
    /// SIGINT/SIGTERM/SIGHUP/SIGQUIT so a killed process or a dropped SSH session does not
    /// leave the terminal raw.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard !Self.active else { throw StartError.alreadyRunning }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw StartError.notATerminal }
        let term = environment["TERM"] ?? ""
        switch minimo_terminal_check() {
        case 1: throw StartError.unknownTerminal(term)
        case 2: throw StartError.cannotAddressCursor(term)
        default: break
        }
        Self.active = true
        self.environment = environment
        setlocale(LC_ALL, "")
        let unicode = minimo_locale_is_utf8() == 1
        initscr()
        minimo_install_terminal_restore()
        raw()
        noecho()
        nonl()
        keypad(minimo_stdscr(), true)
        _ = minimo_set_escdelay(25)
        let colours = ColorPalette.wantsColour(hasColours: has_colors(), environment: environment)
        var defaultBackground = false
        if colours {
            start_color()
            defaultBackground = use_default_colors() == OK
        }
        palette = ColorPalette(usesColour: colours, defaultBackground: defaultBackground)
        for pair in palette.pairs {
            init_pair(pair.pair, pair.foreground, pair.background)
        }
        curs_set(0)
        capabilities = Capabilities(colours: colours, unicode: unicode)
        synchronizedOutput = Self.wantsSynchronizedOutput(terminfoHasSync: minimo_terminfo_has_sync() == 1, environment: environment)
        frame = GridCanvas(columns: Int(minimo_cols()), rows: Int(minimo_lines()))
    }

    deinit { end() }

    /// Gives the terminal back: the shell prompt returns where it was, in cooked mode.
    public func end() {
        guard !ended else { return }
        ended = true
        curs_set(1)
        endwin()
        Self.active = false
    }

    // MARK: Canvas

    @discardableResult
    public func put(text: String, row: Int, column: Int, style: CellStyle, limit: Int?) -> Int {
        frame.put(text: text, row: row, column: column, style: style, limit: limit)
    }

    public func fill(_ rect: Rect, with character: Character, style: CellStyle) {
        frame.fill(rect, with: character, style: style)
    }

    public func clear() { frame.clear() }

    // MARK: Output

    /// Writes what changed since the last frame and refreshes once. `cursor` shows the
    /// terminal cursor there (the line editor), otherwise it is hidden.
    public func present(cursor: (row: Int, column: Int)? = nil) {
        for run in frame.changedRuns(since: shown) {
            write(run)
        }
        // Two buffers, swapped: the frame just written is what the terminal shows, and the
        // older buffer is drawn over next (a render starts by clearing it). Keeping a copy
        // instead made the next frame's first write copy all 12,000 cells (7% of a list move).
        let presented = frame
        if let older = shown, older.size == frame.size { frame = older }
        shown = presented
        if let cursor, frame.bounds.contains(row: cursor.row, column: cursor.column) {
            curs_set(1)
            minimo_move_cursor(Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        // curses writes the frame to the terminal and flushes inside wrefresh: the marks go
        // straight to the same descriptor before and after it, in order.
        if synchronizedOutput { Self.writeRaw("\u{1B}[?2026h") }
        wrefresh(minimo_stdscr())
        if synchronizedOutput { Self.writeRaw("\u{1B}[?2026l") }
    }

    static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// Terminals that implement synchronized output and whose terminfo entries (as shipped by
    /// Debian) do not say so.
    static let synchronizingTerminals = ["kitty", "foot", "alacritty", "wezterm", "ghostty", "contour", "iterm", "vscode", "rio"]

    public static func wantsSynchronizedOutput(terminfoHasSync: Bool, environment: [String: String]) -> Bool {
        switch environment["MINIMO_SYNC_OUTPUT"] {
        case "1"?: return true
        case "0"?: return false
        default: break
        }
        if terminfoHasSync { return true }
        let names = [environment["TERM"], environment["TERM_PROGRAM"]].compactMap { $0?.lowercased() }
        return names.contains { name in synchronizingTerminals.contains { name.contains($0) } }
    }

    /// Ctrl-L: the terminal may show something else (a message from `wall`, a garbled SSH
    /// line); forget what we think it shows and repaint all of it on the next `present()`.
    public func forceRedraw() {
        shown = nil
        minimo_clear_ok()
    }

    private func write(_ run: CellRun) {
        let attributes = palette.attributes(for: run.style)
        var attr: attr_t = 0
        if attributes.bold { attr |= minimo_attr_bold() }
        if attributes.dim { attr |= minimo_attr_dim() }
        if attributes.reverse { attr |= minimo_attr_reverse() }
        if attributes.underline { attr |= minimo_attr_underline() }
        var column = run.column
        for cell in run.cells {
            defer { column += 1 }
            if cell.isContinuation { continue }
            let text = capabilities.unicode ? cell.text : AsciiFallback.text(cell.text, width: cell.width)
            if capabilities.unicode {
                putCell(text, row: run.row, column: column, attr: attr, pair: attributes.pair)
            } else {
                for (offset, character) in text.enumerated() {
                    putCell(String(character), row: run.row, column: column + offset, attr: attr, pair: attributes.pair)
                }
            }
        }
    }

    /// What curses gets for a cell. An emoji ZWJ sequence (`👩‍💻`) keeps only its first emoji:
    /// curses stores one spacing character per cell, and terminals disagree on joined emoji, so
    /// a stray joiner would glue itself to the next cell. The columns stay right either way.
    static func cursesText(_ text: String) -> [wchar_t] {
        var scalars = Array(text.unicodeScalars)
        if let joiner = scalars.firstIndex(where: { $0.value == 0x200D }) { scalars.removeSubrange(joiner...) }
        return scalars.map { wchar_t(bitPattern: $0.value) } + [0]
    }

    private func putCell(_ text: String, row: Int, column: Int, attr: attr_t, pair: Int16) {
        let wide = Self.cursesText(text)
        minimo_put_cell(Int32(row), Int32(column), wide, attr, pair)
    }

    // MARK: The session

    /// A hang-up (SSH dropped), a SIGTERM, or a terminal that went away with no signal (tmux
    /// killed): the loop should leave, keeping unsaved changes as a draft, rather than run on
    /// as an orphan.
    public func endingSignal() -> Int32? {
        let signal = minimo_exit_signal_received()
        if signal != 0 { return signal }
        if minimo_terminal_gone() == 1 || isatty(STDIN_FILENO) != 1 { return SIGHUP }
        return nil
    }

    /// Curses steps aside (the terminal back in cooked mode) while `body` runs another program
    /// on it, then repaints everything.
    public func suspend<T>(while body: () -> T) -> T {
        endwin()
        let result = body()
        wrefresh(minimo_stdscr())
        forceRedraw()
        return result
    }

    /// OSC 52: the terminal (even over SSH, and tmux with set-clipboard) puts it on the clipboard.
    public func copyToClipboard(_ text: String) {
        let sequence = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        FileHandle.standardOutput.write(Data(sequence.utf8))
    }

    // MARK: Input

    /// Waits up to `timeoutMilliseconds` (-1: forever) for a key; nil when none came, so the
    /// loop can tick the quota countdown. A resize is handled here (the frame takes the new
    /// size and the next `present()` repaints everything) and still reported, so views redraw.
    public func readKey(timeoutMilliseconds: Int32) -> KeyEvent? {
        readKey(timeoutMilliseconds: timeoutMilliseconds, wake: nil)
    }

    /// Waits up to `timeoutMilliseconds` for a key, or until `wake` (the read end of a pipe)
    /// becomes readable: then drains it and returns nil at once, so work finished elsewhere is
    /// drawn without waiting out the timeout.
    public func readKey(timeoutMilliseconds: Int32, wake: Int32?) -> KeyEvent? {
        guard let wake else { return nextKey(timeoutMilliseconds: timeoutMilliseconds) }
        // Curses may hold input it has already read (the rest of a paste): take that first.
        if let key = nextKey(timeoutMilliseconds: 0) { return key }
        var descriptors = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        guard poll(&descriptors, 2, timeoutMilliseconds) > 0 else { return nil }
        if descriptors[1].revents != 0 {
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(wake, &bytes, bytes.count) > 0 {}
        }
        return descriptors[0].revents != 0 ? nextKey(timeoutMilliseconds: 0) : nil
    }

    private func nextKey(timeoutMilliseconds: Int32) -> KeyEvent? {
        minimo_set_input_timeout(timeoutMilliseconds)
        var code: wint_t = 0
        let status = minimo_get_wch(&code)
        let key = KeyEvent.decode(status: status, code: UInt32(code))
        if key == .resize {
            frame = GridCanvas(columns: Int(minimo_cols()), rows: Int(minimo_lines()))
            forceRedraw()
        }
        return key
    }
}
