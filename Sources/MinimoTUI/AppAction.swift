import Foundation
import MinimoCache
import MinimoKit

/// Everything that can happen to the app: keys, results of effects, time.
public enum AppAction: Sendable {
    case key(KeyEvent)
    case resized(TerminalSize)
    case tick(Date)
    case quota(QuotaStatus)
    /// A page of the search's answer: from row `offset` (0: a new list), `more` when the cache
    /// holds further matches (read when the selection comes near the end).
    case searchResults(query: String, [ContactSummary], offset: Int = 0, more: Bool = false)
    case contactLoaded(ContactLookup)
    case contactFailed(email: String, message: String, offline: Bool)
    case definitionsLoaded([CustomFieldDefinition])
    case exchangesLoaded([RawExchange])
    case logLoaded([RawExchange])
    case saveFinished(contact: Contact?, message: String, isError: Bool, unsent: Int)
    case externalEditFinished(Result<[String: JSONValue], FieldValueError>)
    case flash(String, isError: Bool)
    case unsentCount(Int)
    /// The server answered (true) or could not be reached (false), outside a lookup.
    case connectivity(online: Bool)
    /// The outbox retry loop sent what it could: `sent` went out, `left` still wait.
    case outboxDrained(sent: Int, left: Int, offline: Bool)
    /// A draft kept from an earlier session (or an earlier visit) for this contact.
    case draftLoaded(ContactDraft)
    /// The shared cache as a look (once a second) found it, posted when it changed (and once
    /// after this process's own work): the unsent count follows every process's outbox, and a
    /// change to the open contact's row reloads it. `ownWork`: this process's own lookups,
    /// saves, sync or retries may have made the change.
    case cacheWatched(CacheWatch, ownWork: Bool)
    /// The open contact as the cache now holds it, read again after a watch saw its row change.
    case contactReloaded(Contact, fetchedAt: Date, CacheChange)
    /// The plan of a bulk edit, read from the cache (or why it could not be).
    case bulkPlanned(Result<BulkPlan, BulkFailure>)
    /// A bulk edit is queued (or was found unfinished at start-up) and being sent.
    case bulkQueued(BulkRun)
    /// One of a bulk edit's entries was answered: count them again.
    case bulkSettled(batch: String)
    /// A bulk edit's entries by state, counted in the outbox.
    case bulkProgress(batch: String, [OutboxEntry.State: Int])
    /// The pending entries of a bulk edit were dropped; `inFlight` were already claimed for
    /// sending and still go out.
    case bulkCancelled(batch: String, dropped: Int, inFlight: Int)
    /// The outbox view's entries, read again.
    case outboxLoaded([OutboxEntry])
    /// The open contact's unsent edits.
    case contactOutboxLoaded(ContactID, [OutboxEntry])
    /// A decision on an outbox entry was carried out: what became of it, in a sentence.
    case outboxResolved(String, isError: Bool, contact: Contact?)
    /// A held or refused edit opened for editing: the contact as the server holds it now, and
    /// the edit (dropped from the outbox: it comes back through the review).
    case outboxEditReady(Contact, OutboxEntry)
    /// A save was held as a conflict: the fields that changed on the server, and the whole text.
    case saveConflicted(paths: [String], message: String)
    /// The terminal cannot take OSC 52: show what was copied, to select by hand.
    case showCopied(String)
    /// A sentence for `:messages` only (the status bar says it shorter).
    case note(String, isError: Bool)
}

/// Why a bulk edit could not be planned or queued: a sentence.
public struct BulkFailure: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Work the reducer asks for; the runtime does it (through `ContactStore`) and answers with
/// actions. Keeping it data makes the reducer testable without a terminal or a server.
public enum AppEffect: Sendable, Hashable {
    case search(String)
    /// More of the list's search: `rows` rows from row `offset` (a page, or the rest up to
    /// `ListState.markAllLimit` for `M`).
    case searchMore(query: String, offset: Int, rows: Int = TUIApp.page)
    case lookup(email: String, refresh: Bool)
    case loadDefinitions
    case loadExchanges(Contact)
    case loadLog
    /// The open request log's look once a second: read it again only when an exchange newer
    /// than `newest` (the last it shows) was stored, by this process or another.
    case refreshLog(newest: UUID?)
    case save(ContactID, ContactUpdate)
    case copy(String)
    /// Copy a request as a curl command line (the key as `$MINIMO_API_KEY`; the profile's CA
    /// file and proxy as minimo uses them).
    case copyCurl(RawExchange)
    case editExternally([String: JSONValue])
    case sync
    /// Keep unsaved changes of a contact for later (quitting, or opening another contact).
    case keepDraft(ContactID, email: String?, ContactUpdate)
    case loadDraft(ContactID)
    /// Look at the shared cache (the outbox, and this contact's row): once a second, on the tick.
    case watchCache(ContactID?)
    /// Read the open contact again from the cache: another process changed its row.
    case reloadContact(ContactID, CacheChange)
    /// Plan a bulk change of these contacts from the cache.
    case planBulk(BulkChange, [ContactID])
    /// Queue the plan's updates (background priority, one batch) and send them.
    case startBulk(BulkPlan)
    /// Count a bulk edit's entries by state (on the tick, while it runs).
    case watchBulk(String)
    /// Drop what of a bulk edit has not been sent.
    case cancelBulk(String)
    /// Read the unsent entries for the outbox view.
    case loadOutbox
    /// Read the open contact's unsent entries.
    case loadContactOutbox(ContactID)
    /// Keep mine: send a held conflict anyway (re-based on the server's values), or queue a
    /// refused edit again as it is.
    case keepMine(Int64)
    /// Take theirs: drop the edit and fetch the contact again.
    case takeTheirs(Int64)
    /// Drop the edit and open it in the editor, on the contact as the server holds it now.
    case editEntry(OutboxEntry)
    /// Drop an unsent edit (asked first).
    case dropEntry(Int64)
}
