import Foundation

/// A terminal with no terminal: the frame is a `GridCanvas`, keys come from a queue that a test
/// (or any driver) fills, and `present` keeps the last frame, readable as text from any thread.
/// The real event loop runs on it unchanged, so a test can type keys, wait until the app is
/// idle and read the screen, the way lazygit's integration tests drive its GUI.
///
/// The loop's thread draws and reads keys; other threads only feed keys, resize, hang up and
/// read what was presented (all under a lock).
public final class HeadlessTerminal: Terminal, @unchecked Sendable {
    public let unicode: Bool
    public let clipboardReachable: Bool

    private let lock = NSLock()
    /// The frame being drawn: the loop's thread only.
    private var frame: GridCanvas
    private var shown: GridCanvas?
    private var shownCursor: (row: Int, column: Int)?
    private var keys: [KeyEvent] = []
    /// Keys the loop took since it last presented a frame: not settled yet.
    private var taken = 0
    private var nextSize: TerminalSize?
    private var signal: Int32?
    private var copies: [String] = []
    private var frames = 0
    private var ended = false
    /// A pipe the loop polls beside the inbox's: a key fed wakes it at once.
    private let keyReader: Int32
    private let keyWriter: Int32

    public init(columns: Int = 120, rows: Int = 40, unicode: Bool = true, clipboardReachable: Bool = true) {
        frame = GridCanvas(columns: columns, rows: rows)
        self.unicode = unicode
        self.clipboardReachable = clipboardReachable
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        }
        keyReader = ends[0]
        keyWriter = ends[1]
    }

    deinit {
        if keyReader >= 0 { close(keyReader) }
        if keyWriter >= 0 { close(keyWriter) }
    }

    // MARK: Driving (any thread)

    /// Queues keys, as if typed.
    public func feed(_ events: [KeyEvent]) {
        lock.withLock { keys += events }
        wake()
    }

    /// Queues every character of `text` as a key.
    public func type(_ text: String) { feed(text.map(KeyEvent.character)) }

    /// The terminal takes a new size; the loop hears of it as a `.resize` key.
    public func resize(columns: Int, rows: Int) {
        lock.withLock {
            nextSize = TerminalSize(columns: columns, rows: rows)
            keys.append(.resize)
        }
        wake()
    }

    /// The terminal goes away (SIGHUP by default): the loop leaves as it would on a hang-up.
    public func hangUp(signal: Int32 = SIGHUP) {
        lock.withLock { self.signal = signal }
        wake()
    }

    /// Keys fed whose frame is not drawn yet: not read by the loop, or read and not yet shown.
    public var pendingKeys: Int { lock.withLock { keys.count + taken } }

    /// How many frames were presented: moves each time the loop draws.
    public var presentedFrames: Int { lock.withLock { frames } }

    /// The last frame presented, one string per row, trailing spaces trimmed.
    public var lines: [String] { lock.withLock { shown?.lines() ?? [] } }

    /// The last frame presented as one text, rows joined by newlines.
    public var text: String { lines.joined(separator: "\n") }

    /// The last frame presented, cell by cell (styles included).
    public var lastFrame: GridCanvas? { lock.withLock { shown } }

    /// Where the last frame showed the cursor (the line editor), if anywhere.
    public var cursor: (row: Int, column: Int)? { lock.withLock { shownCursor } }

    /// Everything copied to the clipboard, oldest first.
    public var clipboard: [String] { lock.withLock { copies } }

    /// Whether the loop has given the terminal back.
    public var hasEnded: Bool { lock.withLock { ended } }

    private func wake() {
        var byte: UInt8 = 1
        if keyWriter >= 0 { _ = write(keyWriter, &byte, 1) }
    }

    // MARK: Canvas (the loop's thread)

    public var size: TerminalSize { frame.size }

    @discardableResult
    public func put(text: String, row: Int, column: Int, style: CellStyle, limit: Int?) -> Int {
        frame.put(text: text, row: row, column: column, style: style, limit: limit)
    }

    public func fill(_ rect: Rect, with character: Character, style: CellStyle) {
        frame.fill(rect, with: character, style: style)
    }

    public func clear() { frame.clear() }

    // MARK: Terminal (the loop's thread)

    public func readKey(timeoutMilliseconds: Int32, wake: Int32?) -> KeyEvent? {
        if let key = nextKey() { return key }
        var descriptors = [pollfd(fd: keyReader, events: Int16(POLLIN), revents: 0)]
        if let wake { descriptors.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
        if poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds) > 0 {
            var bytes = [UInt8](repeating: 0, count: 64)
            for descriptor in descriptors where descriptor.revents != 0 {
                while read(descriptor.fd, &bytes, bytes.count) > 0 {}
            }
        }
        return nextKey()
    }

    private func nextKey() -> KeyEvent? {
        let (key, size): (KeyEvent?, TerminalSize?) = lock.withLock {
            guard !keys.isEmpty else { return (nil, nil) }
            let key = keys.removeFirst()
            taken += 1
            guard key == .resize, let size = nextSize else { return (key, nil) }
            nextSize = nil
            return (key, size)
        }
        if let size { frame = GridCanvas(size: size) }
        return key
    }

    public func present(cursor: (row: Int, column: Int)?) {
        let frame = self.frame
        lock.withLock {
            shown = frame
            shownCursor = cursor
            frames += 1
            taken = 0
        }
    }

    public func forceRedraw() {}

    public func end() { lock.withLock { ended = true } }

    public func endingSignal() -> Int32? { lock.withLock { signal } }

    public func copyToClipboard(_ text: String) { lock.withLock { copies.append(text) } }

    /// Nothing to hand over: another program has no terminal to take here.
    public func suspend<T>(while body: () -> T) -> T { body() }
}
