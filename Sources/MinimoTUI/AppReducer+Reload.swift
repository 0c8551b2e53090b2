import Foundation
import MinimoCache
import MinimoKit

/// The open contact changed in the shared cache by someone other than this screen: shown, or
/// held while the user edits it.
extension AppState {
    /// The open contact read again from the cache after its row changed: shown when its values
    /// differ from the screen's, held while the user edits it or while this screen's own lookup
    /// or save is on its way (whose answer, when it comes, is at least as new).
    mutating func considerReload(_ reloaded: Contact, fetchedAt: Date, _ change: CacheChange, wasHeld: Bool) -> [AppEffect] {
        guard let shown = contact, shown.id == reloaded.id else {
            if detail.externalChange == .held { detail.externalChange = nil }
            return []
        }
        if notices.pending != nil {
            detail.heldReload = HeldReload(contact: reloaded, fetchedAt: fetchedAt, change: change)
            return []
        }
        if reloaded == shown {
            // The same values: at most another process fetched them again, or one of its edits
            // of this contact changed state.
            if detail.externalChange == .held { detail.externalChange = change.byOtherProcess ? .reloaded : nil }
            if change.byOtherProcess, fetchedAt > (detail.fetchedAt ?? .distantPast) {
                detail.fetchedAt = fetchedAt
                detail.source = .freshCache
            }
            if change.byOtherProcess, let note = change.outboxNote {
                notices.flash = "another process's edit \(note): \(keyLabel(.outbox)) to resolve"
                notices.lastError = nil
            }
            return []
        }
        if isEditingContact {
            // Never over the user's unsaved changes: say so, and show it once they are done.
            detail.heldReload = HeldReload(contact: reloaded, fetchedAt: fetchedAt, change: change)
            detail.externalChange = .held
            notices.flash = (change.byOtherProcess ? "changed by another process" : "a newer copy was cached")
                + "; your edits are kept until saved or undone"
            notices.lastError = nil
            return []
        }
        return showReloaded(reloaded, fetchedAt: fetchedAt, change, afterEdit: wasHeld)
    }

    /// Shows the open contact as another process (or a refresh of this one) left it in the cache.
    mutating func showReloaded(_ reloaded: Contact, fetchedAt: Date, _ change: CacheChange, afterEdit: Bool) -> [AppEffect] {
        contact = reloaded
        detail.source = .freshCache
        detail.fetchedAt = fetchedAt
        detail.externalChange = change.byOtherProcess ? .reloaded : nil
        detail.fieldSelection = min(detail.fieldSelection, max(0, fieldRows.count - 1))
        // The status bar gives a message about 25 columns on an 80-column terminal: the news first.
        if afterEdit {
            notices.flash = change.byOtherProcess ? "showing another minimo process's change" : "showing the newer copy from the cache"
        } else if let note = change.outboxNote, change.byOtherProcess {
            notices.flash = "another process's edit \(note) (\(keyLabel(.outbox)) to resolve): reloaded"
        } else {
            notices.flash = change.byOtherProcess ? "updated by another minimo process" : "reloaded: a newer copy was cached"
        }
        // An older error gives way to the news; one that just ended this screen's own lookup
        // (after which a held copy shows) stays.
        if !afterEdit { notices.lastError = nil }
        return [.loadExchanges(reloaded)]
    }
}
