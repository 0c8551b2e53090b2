import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// The real TUI, in-process: `TUIApp.run` (the same loop `minimo` runs) on a `HeadlessTerminal`
/// on a thread of its own, its store on a sandbox over real HTTP. A test types keys, waits for
/// text on screen or until the app is idle (no key waiting, no effect running, the inbox empty
/// and the frame drawn), and reads the screen as text, as lazygit's GuiDriver does. Waits are on
/// conditions with a generous timeout, never a fixed sleep.
final class TUIDriver: @unchecked Sendable {
    let terminal: HeadlessTerminal
    let app: TUIApp
    let store: ContactStore
    private let lock = NSLock()
    private var ended = false

    private init(terminal: HeadlessTerminal, app: TUIApp, store: ContactStore) {
        self.terminal = terminal
        self.app = app
        self.store = store
    }

    /// Starts the loop on its own thread (it blocks, as on a real terminal).
    static func start(
        store: ContactStore, columns: Int = 120, rows: Int = 40, listColumns: [String] = ListColumn.defaultNames,
        profile: String = "default", label: ProfileLabel? = nil, unicode: Bool = true, clipboardReachable: Bool = true
    ) -> TUIDriver {
        let terminal = HeadlessTerminal(columns: columns, rows: rows, unicode: unicode, clipboardReachable: clipboardReachable)
        let host = store.client.configuration.baseURL.host.map { host in
            store.client.configuration.baseURL.port.map { "\(host):\($0)" } ?? host
        }
        let app = TUIApp(store: store, profile: profile, host: host, isDemo: false, columns: listColumns, label: label)
        let driver = TUIDriver(terminal: terminal, app: app, store: store)
        let thread = Thread {
            app.run(on: terminal)
            driver.lock.withLock { driver.ended = true }
        }
        thread.name = "minimo-tui-headless"
        thread.stackSize = 8 << 20
        thread.start()
        return driver
    }

    /// Runs `body` with the TUI started on `fixture`'s sandbox and cache (its search box shown),
    /// and ends it afterwards (a hang-up, as when the terminal goes away), even on a throw.
    static func with(
        _ fixture: SandboxFixture, columns: Int = 120, rows: Int = 40, listColumns: [String] = ListColumn.defaultNames,
        profile: String = "default", label: ProfileLabel? = nil, readOnly: Bool = false, clipboardReachable: Bool = true,
        _ body: (TUIDriver) async throws -> Void
    ) async throws {
        let driver = start(
            store: try fixture.store(readOnly: readOnly), columns: columns, rows: rows, listColumns: listColumns, profile: profile,
            label: label, clipboardReachable: clipboardReachable)
        do {
            try await driver.waitFor("Search email")
            try await body(driver)
            try await driver.stop()
        } catch {
            try? await driver.stop()
            throw error
        }
    }

    // MARK: Keys

    /// Keys by tmux's names, so a story reads as it did in tmux: "Enter", "Escape", "Tab",
    /// "BTab", "Space", "Up", "Down", "Left", "Right", "Home", "End", "PPage", "NPage",
    /// "BSpace", "DC" (delete), "C-x" (Ctrl-x); anything else is typed as it is.
    func press(_ names: String...) {
        terminal.feed(names.flatMap(Self.keys(named:)))
    }

    /// Literal text, typed as is.
    func type(_ text: String) { terminal.type(text) }

    static func keys(named name: String) -> [KeyEvent] {
        switch name {
        case "Enter": return [.enter]
        case "Escape": return [.escape]
        case "Tab": return [.tab]
        case "BTab": return [.backTab]
        case "Space": return [.character(" ")]
        case "Up": return [.up]
        case "Down": return [.down]
        case "Left": return [.left]
        case "Right": return [.right]
        case "Home": return [.home]
        case "End": return [.end]
        case "PPage": return [.pageUp]
        case "NPage": return [.pageDown]
        case "BSpace": return [.backspace]
        case "DC": return [.delete]
        default:
            if name.hasPrefix("C-"), name.count == 3, let letter = name.last { return [.control(Character(letter.lowercased()))] }
            return name.map(KeyEvent.character)
        }
    }

    // MARK: The screen

    /// The last frame drawn, rows joined by newlines.
    var screen: String { terminal.text }

    /// Waits until the screen satisfies `condition`, and returns that screen.
    @discardableResult
    func waitUntil(
        _ description: String, timeout: Double = Poll.patience, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (String) -> Bool
    ) async throws -> String {
        var last = ""
        try await Poll.until(description, timeout: timeout, detail: { self.screen }, sourceLocation: sourceLocation) {
            last = self.screen
            return condition(last)
        }
        return last
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = Poll.patience, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }

    /// Waits until the app is idle: every key fed taken and drawn, no effect running, nothing in
    /// its inbox, the same twice in a row (so nothing started and ended between the looks).
    /// Returns the screen then.
    @discardableResult
    func waitUntilIdle(timeout: Double = Poll.patience, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var previous: Int?
        try await Poll.until("the app to be idle", timeout: timeout, every: 0.02, detail: { self.screen }, sourceLocation: sourceLocation) {
            guard self.terminal.pendingKeys == 0, let mark = self.app.idleMark() else {
                previous = nil
                return false
            }
            defer { previous = mark }
            return previous == mark
        }
        return screen
    }

    // MARK: The end

    var hasExited: Bool { lock.withLock { ended } }

    /// Waits for the loop to end (the user quit, or `stop`).
    func waitForExit(timeout: Double = Poll.patience, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await Poll.until("the TUI to exit", timeout: timeout, detail: { self.screen }, sourceLocation: sourceLocation) { self.hasExited }
    }

    /// Ends the session as a hang-up would (unsaved changes kept as a draft), and waits for it.
    func stop() async throws {
        guard !hasExited else { return }
        terminal.hangUp()
        try await waitForExit()
    }
}
