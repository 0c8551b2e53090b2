import CNcurses
import Foundation
import MinimoCache
import MinimoKit

/// The TUI: one event loop that owns the terminal and wakes on keys, on results of async work,
/// and once a second (the quota countdown moves with no key pressed, and the shared cache is
/// looked at for other processes' changes). Network and database work run as Swift tasks
/// through `ContactStore` and come back as actions.
public final class TUIApp: @unchecked Sendable {
    let store: ContactStore
    private var state: AppState
    let inbox = ActionInbox()
    private var searchTask: Task<Void, Never>?
    private var lookupTask: Task<Void, Never>?
    var background: [Task<Void, Never>] = []
    let ownWork = OwnWork()
    let bulkRunner = BulkRunner()
    /// False inside tmux with `set-clipboard off`, which drops OSC 52: a copy is then shown to
    /// be selected by hand. Elsewhere the terminal is trusted to take it (there is no asking).
    lazy var clipboardReachable: Bool = Self.clipboardReachable(environment: ProcessInfo.processInfo.environment)
    private let watcher = CacheWatcher()
    /// The signal that ended the session (SIGHUP when the terminal went away), or 0 when the
    /// user quit: the process should then end as that signal would have ended it (status 128+N).
    public private(set) var exitSignal: Int32 = 0

    public init(
        store: ContactStore, profile: String?, host: String?, isDemo: Bool, columns: [String] = ListColumn.defaultNames,
        label: ProfileLabel? = nil, bindings: Bindings = .defaults
    ) {
        self.store = store
        self.state = AppState(size: TerminalSize(columns: 80, rows: 24), profile: profile, host: host, isDemo: isDemo)
        state.readOnly = store.readOnly
        state.profileLabel = label
        state.bindings = bindings
        state.list.columns = columns.map(ListColumn.init(name:))
        state.backgroundReserve = store.client.configuration.gate.backgroundReserve
    }

    /// Runs until the user quits. Blocks the calling thread: call it from a thread of its own.
    public func run() throws {
        // The first search and the other start-up reads run while curses sets the terminal up:
        // the first complete frame is what a user waits for.
        startBackgroundWork()
        let screen: TerminalScreen
        do { screen = try TerminalScreen() } catch {
            for task in background { task.cancel() }
            throw error
        }
        defer {
            for task in background { task.cancel() }
            screen.end()
        }
        state.size = screen.size
        state.unicodeLines = screen.capabilities.unicode
        var canvas = screen
        var lastSecond = Int(Date().timeIntervalSince1970)
        state.now = Date()
        screen.present(cursor: AppView.render(state, on: &canvas))
        while !state.shouldQuit {
            // A hang-up (SSH dropped), a SIGTERM: leave now, keeping unsaved changes as a draft.
            let signal = minimo_exit_signal_received()
            if signal != 0 || minimo_terminal_gone() == 1 {
                exitSignal = signal != 0 ? signal : SIGHUP
                break
            }
            var actions: [AppAction] = []
            if let key = screen.readKey(timeoutMilliseconds: 100, wake: inbox.wakeDescriptor >= 0 ? inbox.wakeDescriptor : nil) {
                actions.append(key == .resize ? .resized(screen.size) : .key(key))
                // Take a burst of typing (a paste) in one frame.
                while actions.count < 256, let more = screen.readKey(timeoutMilliseconds: 0) {
                    actions.append(more == .resize ? .resized(screen.size) : .key(more))
                }
            }
            actions += inbox.drain()
            let now = Date()
            let second = Int(now.timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
                actions.append(.tick(now))
                // The terminal went away (SSH dropped, tmux killed) and no SIGHUP ended us:
                // leave, keeping any unsaved change as a draft, rather than run on as an orphan.
                if isatty(STDIN_FILENO) != 1 {
                    exitSignal = SIGHUP
                    break
                }
            }
            guard !actions.isEmpty else { continue }
            for action in actions {
                let effects = state.reduce(action)
                for effect in effects { perform(effect, screen: screen) }
                if state.shouldQuit { break }
            }
            if state.forceRedraw {
                screen.forceRedraw()
                state.forceRedraw = false
            }
            state.now = Date()
            screen.present(cursor: AppView.render(state, on: &canvas))
        }
        keepDraftBeforeExit()
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

    private func startBackgroundWork() {
        let store = self.store
        let inbox = self.inbox
        background.append(Task {
            for await status in store.client.quotaUpdates() { inbox.post(.quota(status)) }
        })
        perform(.search(""), screen: nil)
        // The contact list is what the first frame waits for: the rest starts once it is in,
        // rather than opening database connections beside it on a 2-core machine.
        let first = searchTask
        background.append(Task {
            await first?.value
            await Self.loadDefinitions(store: store, inbox: inbox)
        })
        let ownWork = self.ownWork
        let runner = self.bulkRunner
        background.append(Task {
            await first?.value
            await Self.retryOutbox(store: store, inbox: inbox, ownWork: ownWork)
        })
        background.append(Task {
            await first?.value
            let drafts = (try? await store.drafts()) ?? []
            guard !drafts.isEmpty else { return }
            let names = drafts.prefix(3).map { $0.email ?? "#\($0.contactID.rawValue)" }.joined(separator: ", ")
            inbox.post(.flash("\(drafts.count) unsaved draft(s) kept from last time (\(names)): open the contact to review", isError: false))
        })
        background.append(Task {
            await first?.value
            await Self.resumeBulk(store: store, inbox: inbox, ownWork: ownWork, runner: runner)
        })
    }

    static func loadDefinitions(store: ContactStore, inbox: ActionInbox) async {
        do {
            inbox.post(.definitionsLoaded(try await store.fieldDefinitions()))
        } catch let error as MinimoError {
            if error.kind == .network { inbox.post(.connectivity(online: false)) }
            inbox.post(.flash("field definitions: \(error.description)", isError: true))
        } catch {}
    }

    /// Edits saved earlier (this session or a past one) and not yet sent go out as soon as the
    /// server answers: checked every 2 s while the outbox holds entries this process would send,
    /// backing off to 10 s while the server stays unreachable. An empty outbox costs one SQLite
    /// read, and so do the rows of an import running in another process (left to it: they are
    /// neither decoded nor a reason to drain). (The unsent count itself comes from the cache
    /// watch, which counts every process's entries.)
    static func retryOutbox(store: ContactStore, inbox: ActionInbox, ownWork: OwnWork) async {
        var pause: UInt64 = 2
        while !Task.isCancelled {
            let waiting = (try? await store.sendableOutboxEntries()) ?? []
            if !waiting.isEmpty {
                // Sending this session's own edits is this process's work; another process's
                // entries sent from here are still that process's edits.
                let own = ownWork.queuedAny(of: waiting)
                if own { ownWork.begin(showsResult: false) }
                // Interactive edits only: a bulk edit's background entries go through its own
                // store (see `BulkRunner`), and another process's import is left to that import.
                let report = await store.sendOutbox(OutboxDrainOptions(interactiveOnly: true))
                let left = (try? await store.unconfirmedOutboxCount()) ?? waiting.count
                inbox.post(.outboxDrained(sent: report.sent, left: left, offline: report.stoppedByNetwork))
                if report.stoppedBy == nil { inbox.post(.connectivity(online: true)) }
                if own { ownWork.end(showsResult: false) }
                pause = report.stoppedBy == nil ? 2 : min(10, pause * 2)
            } else {
                pause = 2
            }
            try? await Task.sleep(nanoseconds: pause * 1_000_000_000)
        }
    }

    private func perform(_ effect: AppEffect, screen: TerminalScreen?) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        switch effect {
        case .search(let query):
            searchTask?.cancel()
            searchTask = Task {
                guard let results = try? await store.search(query, limit: 500), !Task.isCancelled else { return }
                inbox.post(.searchResults(query: query, results))
            }
        case .lookup(let email, let refresh):
            lookupTask?.cancel()  // a new lookup cancels the old one's request
            let query = state.search.text
            ownWork.begin(showsResult: true)
            lookupTask = Task {
                defer { ownWork.end(showsResult: true) }
                do {
                    let lookup = try await store.contact(email: email, refresh: refresh)
                    inbox.post(.contactLoaded(lookup))
                    if let results = try? await store.search(query, limit: 500) { inbox.post(.searchResults(query: query, results)) }
                    if let revalidation = lookup.revalidation, let fresh = await revalidation.value {
                        inbox.post(.contactLoaded(ContactLookup(contact: fresh, source: .network, age: 0)))
                    }
                } catch is CancellationError {
                } catch let error as MinimoError {
                    inbox.post(.contactFailed(email: email, message: error.description, offline: error.kind == .network))
                } catch {
                    inbox.post(.contactFailed(email: email, message: "\(error)", offline: false))
                }
            }
        case .loadDefinitions:
            background.append(Task { await Self.loadDefinitions(store: store, inbox: inbox) })
        case .loadExchanges(let contact):
            Task {
                if let exchanges = try? await store.exchanges(for: contact, limit: 50) { inbox.post(.exchangesLoaded(exchanges)) }
            }
        case .loadLog:
            Task {
                if let log = try? await store.exchanges(limit: 500) { inbox.post(.logLoaded(log)) }
            }
        case .save(let id, let update):
            ownWork.begin(showsResult: true)
            Task {
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
            let watcher = self.watcher
            guard watcher.beginLook() else { return }
            Task {
                let before = ownWork.mark
                let watch = try? await store.watch(contactID: id)
                if let action = watcher.finishLook(watch, before: before, after: ownWork.mark) { inbox.post(action) }
            }
        case .reloadContact(let id, let change):
            Task {
                guard let cached = try? await store.cachedContact(id: id) else { return }
                inbox.post(.contactReloaded(cached.contact, fetchedAt: cached.fetchedAt, change))
            }
        case .planBulk, .startBulk, .watchBulk, .cancelBulk:
            performBulk(effect)
        case .loadOutbox, .loadContactOutbox, .keepMine, .takeTheirs, .editEntry, .dropEntry:
            performOutbox(effect)
        case .copy(let text):
            Self.copyToClipboard(text)
            if clipboardReachable {
                inbox.post(.flash("copied \(text.utf8.count) bytes to the clipboard", isError: false))
            } else {
                inbox.post(.showCopied(text))
            }
        case .copyCurl(let exchange):
            let command = exchange.curlCommand(network: store.client.configuration.network)
            Self.copyToClipboard(command)
            if clipboardReachable {
                inbox.post(.flash("copied the request as curl (the key as \"$MINIMO_API_KEY\")", isError: false))
            } else {
                inbox.post(.showCopied(command))
            }
        case .editExternally(let fields):
            guard let screen else { return }
            inbox.post(.externalEditFinished(ExternalEditor.edit(fields, screen: screen)))
        case .keepDraft(let id, let email, let update):
            Task { try? await store.keepDraft(contactID: id, email: email, update: update) }
        case .loadDraft(let id):
            Task {
                if let kept = try? await store.draft(contactID: id) { inbox.post(.draftLoaded(kept)) }
            }
        case .sync:
            let query = state.search.text
            ownWork.begin(showsResult: false)
            background.append(Task {
                defer { ownWork.end(showsResult: false) }
                do {
                    let report = try await store.sync()
                    let text = report.listingAvailable
                        ? "synced \(report.stored) contacts in \(report.requests) requests"
                        : "listing not available on this server: search by email instead"
                    inbox.post(.flash(text, isError: !report.listingAvailable))
                    if let results = try? await store.search(query, limit: 500) { inbox.post(.searchResults(query: query, results)) }
                } catch {
                    inbox.post(.flash("sync stopped: \(error)", isError: true))
                }
            })
        }
    }
}
