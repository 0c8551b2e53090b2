import Foundation
import MinimoCache
import MinimoKit

// The groups of `AppState` that are not a pane of their own (those are `ListState` and
// `EditDraft`): what the screen says, what it learns from outside, and the open contact's panes.

/// What the screen tells the user: the last notice or error (the status bar), what the app is
/// waiting for, the last failed lookup whole, and the session's messages (`:messages`).
public struct Notices: Sendable {
    public var flash: String?
    public var lastError: String?
    /// What the app is waiting for, shown in the panes ("looking up ...").
    public var pending: String?
    /// The last lookup that failed, in full (the status bar has room for only part of it);
    /// the contact list shows it while the search box still holds that email.
    public var lookupFailure: (email: String, message: String)?
    /// This session's notices and errors, oldest first (`:messages`).
    public var messages: [SessionMessage] = []

    public init() {}
}

/// What the screen learns from outside itself: the server (quota, reachability) and the cache
/// every minimo process on this profile shares (unsent edits, the last watch).
public struct SharedState: Sendable {
    public var online = true
    public var quota: QuotaStatus?
    /// Unsent edits of every minimo process on this cache (the watch counts the outbox).
    public var unsentEdits = 0
    /// The shared cache as the last watch saw it.
    public var cacheWatch: CacheWatch?
    /// The share of the quota background work leaves to interactive requests (for ETAs).
    public var backgroundReserve = 0.2
    /// The longest time to a reset any answer gave: the window's length, nearly (for ETAs).
    public var observedWindow: Double?

    public init() {}
}

/// The open contact's panes (detail, fields, consent, raw view), beside the contact itself.
public struct ContactDetail: Sendable {
    /// Where the shown copy came from, and when it was fetched.
    public var source: LookupSource?
    public var fetchedAt: Date?
    public var fieldSelection = 0
    public var consentSelection = 0
    /// The raw view (`r`) covers the contact's panes, scrolled this far.
    public var rawView = false
    public var rawScroll = 0
    /// The open contact's unsent edits: the fields pane marks the fields they change.
    public var outbox: [OutboxEntry] = []
    /// Another process changed the open contact since this screen loaded it.
    public var externalChange: ExternalChange?
    /// Its newer copy, while unsaved changes keep it from being shown.
    public var heldReload: HeldReload?

    public init() {}
}
