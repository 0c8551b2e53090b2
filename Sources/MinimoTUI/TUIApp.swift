import Foundation
import MinimoCache
import MinimoKit

/// The TUI: one event loop that owns the terminal and wakes on keys, on results of async work,
/// and once a second (the quota countdown moves with no key pressed, and the shared cache is
/// looked at for other processes' changes). Network and database work run as Swift tasks
/// (owned by the `EffectRunner`) through `ContactStore` and come back as actions.
///
/// The loop runs on any `Terminal`: the ncurses screen, or a `HeadlessTerminal` that a test
/// types into, waiting until the app `isIdle` before reading the screen.
public final class TUIApp: @unchecked Sendable {
    let store: ContactStore
    private var state: AppState
    let inbox = ActionInbox()
    let runner: EffectRunner
    let ownWork = OwnWork()
    let bulkRunner = BulkRunner()
    let watcher = CacheWatcher()
    private var started = false
    /// Whether the loop is handling what it took (keys, actions), and how many times it took
    /// something: read from other threads by `idleMark`.
    private let loopLock = NSLock()
    private var loopBusy = false
    private var loopRounds = 0
    /// The signal that ended the session (SIGHUP when the terminal went away), or 0 when the
    /// user quit: the process should then end as that signal would have ended it (status 128+N).
    public private(set) var exitSignal: Int32 = 0

    public init(
        store: ContactStore, profile: String?, host: String?, isDemo: Bool, columns: [String] = ListColumn.defaultNames,
        label: ProfileLabel? = nil, bindings: Bindings = .defaults, clock: MinimoClock = SystemClock()
    ) {
        self.store = store
        self.runner = EffectRunner(clock: clock)
        self.state = AppState(size: TerminalSize(columns: 80, rows: 24), profile: profile, host: host, isDemo: isDemo)
        state.readOnly = store.readOnly
        state.profileLabel = label
        state.bindings = bindings
        state.list.columns = columns.map(ListColumn.init(name:))
        state.shared.backgroundReserve = store.client.configuration.gate.backgroundReserve
    }

    /// Runs on the real terminal until the user quits. Blocks the calling thread: call it from
    /// a thread of its own.
    public func run() throws {
        // The first search and the other start-up reads run while curses sets the terminal up:
        // the first complete frame is what a user waits for.
        startBackgroundWork()
        let screen: TerminalScreen
        do { screen = try TerminalScreen() } catch {
            runner.cancelWhatEndsWithApp()
            throw error
        }
        StartupTrace.mark("curses")
        run(on: screen)
    }

    /// Runs on `terminal` until the user quits or the terminal goes away. Blocks the calling
    /// thread: call it from a thread of its own.
    public func run(on terminal: some Terminal) {
        startBackgroundWork()
        defer {
            runner.cancelWhatEndsWithApp()
            terminal.end()
        }
        let clock = runner.clock
        state.size = terminal.size
        state.unicodeLines = terminal.unicode
        var canvas = terminal
        var lastSecond = Int(clock.now().timeIntervalSince1970)
        state.now = clock.now()
        terminal.present(cursor: AppView.render(state, on: &canvas))
        StartupTrace.mark("first-paint")
        var listShown = false
        while !state.shouldQuit {
            // A hang-up (SSH dropped), a SIGTERM, a terminal gone: leave now, keeping unsaved
            // changes as a draft, rather than run on as an orphan.
            if let signal = terminal.endingSignal() {
                exitSignal = signal
                break
            }
            var actions: [AppAction] = []
            if let key = terminal.readKey(timeoutMilliseconds: 100, wake: inbox.wakeDescriptor >= 0 ? inbox.wakeDescriptor : nil) {
                actions.append(key == .resize ? .resized(terminal.size) : .key(key))
                // Take a burst of typing (a paste) in one frame.
                while actions.count < 256, let more = terminal.readKey(timeoutMilliseconds: 0, wake: nil) {
                    actions.append(more == .resize ? .resized(terminal.size) : .key(more))
                }
            }
            setLoopBusy(true)
            defer { setLoopBusy(false) }
            actions += inbox.drain()
            let now = clock.now()
            let second = Int(now.timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
                actions.append(.tick(now))
            }
            guard !actions.isEmpty else { continue }
            countLoopRound()
            for action in actions {
                let effects = state.reduce(action)
                for effect in effects { perform(effect, terminal: terminal) }
                if state.shouldQuit { break }
            }
            if state.forceRedraw {
                terminal.forceRedraw()
                state.forceRedraw = false
            }
            state.now = clock.now()
            terminal.present(cursor: AppView.render(state, on: &canvas))
            if !listShown, !state.list.results.isEmpty {
                listShown = true
                StartupTrace.mark("first-frame")
            }
        }
        keepDraftBeforeExit()
    }

    private func setLoopBusy(_ busy: Bool) { loopLock.withLock { loopBusy = busy } }
    private func countLoopRound() { loopLock.withLock { loopRounds += 1 } }

    /// Non-nil when the app is idle: the loop is waiting, its inbox is empty and no effect is
    /// running. The number moves with any activity, so a driver that reads the same mark twice
    /// knows nothing happened in between (keys it fed and the loop has not taken are its own
    /// to check).
    public func idleMark() -> Int? {
        let (busy, rounds) = loopLock.withLock { (loopBusy, loopRounds) }
        let inbox = self.inbox.emptiness
        guard !busy, inbox.isEmpty, runner.isIdle else { return nil }
        return rounds &+ inbox.posts &+ runner.changeCount
    }

    /// Unsaved changes survive quitting as a draft. The loop's thread may block here: the
    /// terminal is done with and the work runs on the concurrency pool.
    private func keepDraftBeforeExit() {
        guard state.hasUnsavedChanges, let contact = state.contact else { return }
        let store = self.store
        let update = state.pendingUpdate
        let done = DispatchSemaphore(value: 0)
        Task {
            try? await store.keepDraft(contactID: contact.id, email: contact.email, update: update)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
    }

    /// The contact list, then what start-up needs beside it; once per app.
    private func startBackgroundWork() {
        guard !started else { return }
        started = true
        startUpWork(first: search(""))
    }

    /// Runs one effect: most start work on the runner and answer through the inbox.
    private func perform(_ effect: AppEffect, terminal: (any Terminal)?) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        switch effect {
        case .search(let query):
            search(query)
        case .searchMore(let query, let offset, let rows):
            search(query, rows: rows, offset: offset)
        case .lookup(let email, let refresh):
            lookUp(email, refresh: refresh, query: state.search.text, rows: state.list.results.count)
        case .loadDefinitions:
            runner.run(endsWithApp: true) { await Self.loadDefinitions(store: store, inbox: inbox) }
        case .loadExchanges(let contact):
            loadExchanges(for: contact)
        case .refreshLog(let newest):
            refreshLog(newest: newest)
        case .loadLog:
            loadLog()
        case .save(let id, let update):
            ownWork.begin(showsResult: true)
            runner.run {
                defer { ownWork.end(showsResult: true) }
                do {
                    // Its own edit (and earlier ones of the contact), not a bulk edit's queue; an
                    // edit another process is sending is reported, not waited for.
                    let saved = try await store.save(
                        .update(id, update), drain: OutboxDrainOptions(interactiveOnly: true), waitForOthers: false
                    ) { entry in
                        ownWork.remember(entry.seq)
                        try? await store.discardDraft(contactID: id)  // the edit is in the outbox now
                    }
                    let contact = try? await store.cachedContact(id: id)?.contact
                    // A count: beside an import, the outbox may hold 10,000 rows.
                    let unsent = (try? await store.unconfirmedOutboxCount()) ?? 0
                    // A conflict: short where it is shown (the status bar), whole in :messages.
                    let message = saved.isConflict ? saved.headline : saved.sentence(.terminalUI)
                    inbox.post(.saveFinished(contact: contact, message: message, isError: !saved.isSaved, unsent: unsent))
                    if saved.isConflict {
                        // After the save's own message, so the short notice is what stays shown.
                        inbox.post(.saveConflicted(paths: saved.conflictingPaths, message: saved.sentence(.terminalUI)))
                    }
                    if saved.offline { inbox.post(.connectivity(online: false)) }
                } catch {
                    inbox.post(.saveFinished(contact: nil, message: Self.sentence(error), isError: true, unsent: 0))
                }
            }
        case .watchCache(let id):
            watchCache(id)
        case .reloadContact(let id, let change):
            reloadContact(id, change)
        case .planBulk, .startBulk, .watchBulk, .cancelBulk:
            performBulk(effect)
        case .loadOutbox, .loadContactOutbox, .keepMine, .takeTheirs, .editEntry, .dropEntry:
            performOutbox(effect)
        case .copy(let text):
            copy(text, flash: "copied \(text.utf8.count) bytes to the clipboard", terminal: terminal)
        case .copyCurl(let exchange):
            let command = exchange.curlCommand(network: store.client.configuration.network)
            copy(command, flash: "copied the request as curl (the key as \"$MINIMO_API_KEY\")", terminal: terminal)
        case .editExternally(let fields):
            guard let terminal else { return }
            inbox.post(.externalEditFinished(ExternalEditor.edit(fields, terminal: terminal)))
        case .keepDraft(let id, let email, let update):
            runner.run { try? await store.keepDraft(contactID: id, email: email, update: update) }
        case .loadDraft(let id):
            loadDraft(id)
        case .sync:
            sync(query: state.search.text, rows: state.list.results.count)
        }
    }
}
