import Foundation
import MinimoCache
import MinimoKit

/// The effects about the contact on screen and the lists beside it: each starts its work on
/// the runner and answers through the inbox.
extension TUIApp {
    /// Rows the list reads at a time: more than a tall terminal shows, and few enough that a
    /// keystroke's search decodes them in a millisecond or two (500 took 6 ms at 100k contacts).
    public static let page = 100

    /// Filters the cached contacts: `rows` of them from `offset` (a page, or every row the list
    /// had loaded when it is read again); a newer search cancels this one.
    @discardableResult
    func search(_ query: String, rows: Int = TUIApp.page, offset: Int = 0) -> Task<Void, Never> {
        let store = self.store
        let inbox = self.inbox
        return runner.run(.search) {
            await Self.searchPage(query, rows: rows, offset: offset, store: store, inbox: inbox)
        }
    }

    /// One more row than asked tells whether more are left.
    static func searchPage(_ query: String, rows: Int, offset: Int, store: ContactStore, inbox: ActionInbox) async {
        guard let found = try? await store.search(query, limit: rows + 1, offset: offset), !Task.isCancelled else { return }
        if offset == 0 { StartupTrace.mark("search") }
        inbox.post(.searchResults(query: query, Array(found.prefix(rows)), offset: offset, more: found.count > rows))
    }

    /// Looks `email` up (the cache, else the API); a new lookup cancels the old one's request.
    /// `query` is the search shown, run again so the list shows a contact just fetched.
    func lookUp(_ email: String, refresh: Bool, query: String, rows: Int) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        ownWork.begin(showsResult: true)
        runner.run(.lookup) {
            defer { ownWork.end(showsResult: true) }
            do {
                let lookup = try await store.contact(email: email, refresh: refresh)
                inbox.post(.contactLoaded(lookup))
                // A contact fetched just now may be new to the cache: the list is read again
                // (as many rows as it had). One read from the cache changed nothing in it.
                if lookup.source == .network { await Self.searchPage(query, rows: max(Self.page, rows), offset: 0, store: store, inbox: inbox) }
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
    }

    func loadExchanges(for contact: Contact) {
        let store = self.store
        let inbox = self.inbox
        runner.run {
            if let exchanges = try? await store.exchanges(for: contact, limit: 50) { inbox.post(.exchangesLoaded(exchanges)) }
        }
    }

    func loadLog() {
        let store = self.store
        let inbox = self.inbox
        runner.run {
            if let log = try? await store.exchanges(limit: 500) { inbox.post(.logLoaded(log)) }
        }
    }

    /// The whole log again, only when something newer than what it shows was stored: the look
    /// is one indexed row, where a reload decodes 500 exchanges.
    func refreshLog(newest: UUID?) {
        let store = self.store
        let inbox = self.inbox
        runner.run {
            guard let stored = try? await store.newestExchangeID(), stored != newest else { return }
            if let log = try? await store.exchanges(limit: 500) { inbox.post(.logLoaded(log)) }
        }
    }

    /// The once-a-second look at the shared cache (one at a time).
    func watchCache(_ id: ContactID?) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        let watcher = self.watcher
        guard watcher.beginLook() else { return }
        runner.run {
            let before = ownWork.mark
            let watch = try? await store.watch(contactID: id)
            if let action = watcher.finishLook(watch, before: before, after: ownWork.mark) { inbox.post(action) }
        }
    }

    func reloadContact(_ id: ContactID, _ change: CacheChange) {
        let store = self.store
        let inbox = self.inbox
        runner.run {
            guard let cached = try? await store.cachedContact(id: id) else { return }
            inbox.post(.contactReloaded(cached.contact, fetchedAt: cached.fetchedAt, change))
        }
    }

    func loadDraft(_ id: ContactID) {
        let store = self.store
        let inbox = self.inbox
        runner.run {
            if let kept = try? await store.draft(contactID: id) { inbox.post(.draftLoaded(kept)) }
        }
    }

    /// `y` and copy as curl: on the clipboard when the terminal can take it, else shown to be
    /// selected by hand.
    func copy(_ text: String, flash: String, terminal: (any Terminal)?) {
        guard let terminal else { return }
        terminal.copyToClipboard(text)
        if terminal.clipboardReachable {
            inbox.post(.flash(flash, isError: false))
        } else {
            inbox.post(.showCopied(text))
        }
    }

    /// `:sync`: pages the listing into the cache, then runs `query` again.
    func sync(query: String, rows: Int) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        ownWork.begin(showsResult: false)
        runner.run(endsWithApp: true) {
            defer { ownWork.end(showsResult: false) }
            do {
                let report = try await store.sync()
                let text = report.listingAvailable
                    ? "synced \(report.stored) contacts in \(report.requests) requests"
                    : "listing not available on this server: search by email instead"
                inbox.post(.flash(text, isError: !report.listingAvailable))
                await Self.searchPage(query, rows: max(Self.page, rows), offset: 0, store: store, inbox: inbox)
            } catch {
                inbox.post(.flash("sync stopped: \(error)", isError: true))
            }
        }
    }
}
