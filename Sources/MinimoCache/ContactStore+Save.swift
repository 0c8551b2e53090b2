import Foundation
import MinimoKit

extension ContactStore {
    /// The one write path of the TUI and the CLI: queues `change` in the outbox (in the same
    /// transaction as the local change, before any request), sends the outbox, and follows the
    /// entry to its fate. `queued` runs once the entry is durably queued and before anything is
    /// sent (the TUI notes the entry as its own work and drops the draft it came from).
    ///
    /// With `waitForOthers`, an entry another live minimo process is sending is waited for,
    /// within its lease (a command must report its own edit's fate); without, that is reported
    /// at once (the TUI goes on, and its outbox view follows the entry).
    ///
    /// Throws ``SaveFailure`` only: `.notQueued` when nothing was queued, `.untracked` when the
    /// outbox could not be read after queueing.
    public func save(
        _ change: OutboxWrite.Change, drain: OutboxDrainOptions = .init(), waitForOthers: Bool = true,
        queued: @Sendable (OutboxEntry) async -> Void = { _ in }
    ) async throws -> SaveOutcome {
        let entry: OutboxEntry
        do {
            switch change {
            case .update(let id, let update): entry = try await queueUpdate(contactID: id, update)
            case .upsert(let upsert): entry = try await queueUpsert(upsert)
            case .delete(let id): entry = try await queueDelete(contactID: id)
            }
        } catch {
            throw SaveFailure.notQueued(CacheError.sentence(for: error))
        }
        await queued(entry)
        do {
            let (outcome, offline) = try await follow(entry.seq, drain: drain, waitForOthers: waitForOthers)
            return SaveOutcome(entry: entry, outcome: outcome, offline: offline)
        } catch {
            throw SaveFailure.untracked(seq: entry.seq, CacheError.sentence(for: error))
        }
    }
}
