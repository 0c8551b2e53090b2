import Foundation
import MinimoCache
import MinimoKit

/// The outbox view's effects: reading the entries, and carrying out a decision on one. Each
/// decision answers with `outboxResolved` (a sentence saying what became of the edit).
extension TUIApp {
    func performOutbox(_ effect: AppEffect) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        switch effect {
        case .loadOutbox:
            runner.run {
                if let entries = try? await store.outboxForReview() { inbox.post(.outboxLoaded(entries)) }
            }
        case .loadContactOutbox(let id):
            runner.run {
                if let entries = try? await store.outbox(contactID: id) { inbox.post(.contactOutboxLoaded(id, entries)) }
            }
        case .keepMine(let seq):
            ownWork.begin(showsResult: true)
            runner.run {
                defer { ownWork.end(showsResult: true) }
                do {
                    switch try await store.resolveKeepingMine(seq) {
                    case .sent(let answer):
                        var saved: Contact?
                        if let id = answer.contactID { saved = try? await store.cachedContact(id: id)?.contact }
                        inbox.post(.outboxResolved("kept yours: the server holds it now (→ \(answer.status))", isError: false, contact: saved))
                    case .notSent(let state, let reason):
                        inbox.post(.outboxResolved("yours is \(state == .conflict ? "held again" : "not sent yet"): \(reason)", isError: true, contact: nil))
                    case .tookTheirs:
                        break
                    }
                } catch {
                    inbox.post(.outboxResolved("not sent: \(Self.sentence(error))", isError: true, contact: nil))
                }
            }
        case .takeTheirs(let seq):
            ownWork.begin(showsResult: true)
            runner.run {
                defer { ownWork.end(showsResult: true) }
                do {
                    if case .tookTheirs(let contact) = try await store.resolveTakingTheirs(seq) {
                        let text = contact == nil ? "dropped yours; the contact is no longer on the server" : "took theirs: yours is dropped, the contact shows the server's copy"
                        inbox.post(.outboxResolved(text, isError: false, contact: contact))
                    }
                } catch {
                    inbox.post(.outboxResolved("yours is dropped, but the server's copy could not be fetched: \(Self.sentence(error))", isError: true, contact: nil))
                }
            }
        case .editEntry(let entry):
            ownWork.begin(showsResult: true)
            runner.run {
                defer { ownWork.end(showsResult: true) }
                guard let email = entry.email else {
                    inbox.post(.outboxResolved("this edit has no contact email to fetch: drop it (d) or retry it (r)", isError: true, contact: nil))
                    return
                }
                do {
                    // The server's copy first (a held or refused edit is not laid over it): if it
                    // cannot be fetched, the edit stays in the outbox. Then the edit leaves the
                    // outbox: it comes back through the review as a new save.
                    let fresh = try await store.contact(email: email, refresh: true).contact
                    try await store.dropOutboxEntry(entry.seq)
                    inbox.post(.outboxEditReady(fresh, entry))
                } catch {
                    inbox.post(.outboxResolved("cannot open the edit (it stays in the outbox): \(Self.sentence(error))", isError: true, contact: nil))
                }
            }
        case .dropEntry(let seq):
            runner.run {
                do {
                    try await store.dropOutboxEntry(seq)
                    inbox.post(.outboxResolved("dropped #\(seq): it will never be sent", isError: false, contact: nil))
                } catch {
                    inbox.post(.outboxResolved("not dropped: \(Self.sentence(error))", isError: true, contact: nil))
                }
            }
        default:
            break
        }
    }

    static func sentence(_ error: Error) -> String {
        (error as? SaveFailure)?.sentence(.terminalUI) ?? CacheError.sentence(for: error)
    }
}
