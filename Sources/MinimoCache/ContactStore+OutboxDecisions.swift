import Foundation
import GRDB
import MinimoKit

/// A person's decisions on unsent edits: retry a refused one, send a held conflict anyway,
/// drop one. Each is one conditional write, so two processes deciding at once cannot both win.
extension ContactStore {
    /// Puts a failed entry back in the queue, with the same idempotency key. An entry another
    /// live process is sending right now is left to it (the error says which process).
    public func retryOutboxEntry(_ seq: Int64) async throws {
        let now = clock.now()
        let token = claimToken
        try await database.write { db in
            guard let entry = try Self.entry(seq, in: db), entry.state != .done else {
                throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)")
            }
            if entry.state == .sending, let claim = entry.claim, claim.token != token, claim.processIsAlive,
                !claim.hasExpired(at: now)
            {
                throw MinimoError(
                    .conflict,
                    message: "outbox entry \(seq) is being sent right now by minimo process \(claim.pid); `minimo outbox list` shows when it is done")
            }
            let retryable: [OutboxEntry.State] = [.failed, .pending, .sending]
            try db.execute(
                literal: """
                    UPDATE outbox SET state = \(OutboxEntry.State.pending), claimPid = NULL, claimToken = NULL, claimUntil = NULL,
                        lastError = NULL, lastStatus = NULL, serverValues = NULL, updatedAt = \(now.timeIntervalSince1970)
                    WHERE seq = \(seq) AND state IN \(retryable)
                    """)
            guard db.changesCount == 1 else {
                throw MinimoError(.notFound, message: "outbox entry \(seq) is a held conflict: `minimo outbox retry \(seq) --force` sends it anyway")
            }
        }
    }

    /// Sends a held conflict anyway: the edit is re-based on the server's current values.
    public func overrideConflict(_ seq: Int64) async throws {
        let now = clock.now().timeIntervalSince1970
        try await database.write { db in
            try db.execute(
                literal: """
                    UPDATE outbox SET state = \(OutboxEntry.State.pending), base = serverValues, serverValues = NULL,
                        claimPid = NULL, claimToken = NULL, claimUntil = NULL, updatedAt = \(now)
                    WHERE seq = \(seq) AND state = \(OutboxEntry.State.conflict)
                    """)
            guard db.changesCount == 1 else {
                throw MinimoError(.notFound, message: "outbox entry \(seq) is not a held conflict")
            }
        }
    }

    /// Forgets an unsent entry (the local copy is refreshed on the next lookup).
    public func dropOutboxEntry(_ seq: Int64) async throws {
        try await database.write { db in
            let notDone: SQL = "seq = \(seq) AND state != \(OutboxEntry.State.done)"
            let contactID = try String.fetchOne(db, SQLRequest(literal: "SELECT contactID FROM outbox WHERE \(notDone)"))
            try db.execute(literal: "DELETE FROM outbox WHERE \(notDone)")
            guard db.changesCount == 1 else { throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)") }
            // The optimistic copy no longer reflects anything true: make it stale so it is refetched.
            if let contactID {
                try db.execute(sql: "UPDATE contact SET fetchedAt = 0 WHERE contactID = ?", arguments: [contactID])
            }
        }
    }
}
