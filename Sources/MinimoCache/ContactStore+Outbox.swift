import Foundation
import GRDB
import MinimoKit

extension ContactStore {
    /// Queues an update by id. In one transaction: the outbox row (with a fresh idempotency key
    /// and the base values of the touched fields, from the cached copy) and the optimistic local
    /// change. The cached copy is read in that same (IMMEDIATE) transaction: another process
    /// queueing an edit of the same contact at the same moment cannot slip in between, so each
    /// edit's base includes every edit queued before it (or its conflict check would trip over
    /// them). Nothing is sent here: `sendOutbox()` does that.
    @discardableResult
    public func queueUpdate(contactID: ContactID, _ update: ContactUpdate) async throws -> OutboxEntry {
        try await enqueue(kind: .update, contactID: contactID, body: update.json) { db in
            guard let cached = try Self.cachedContact(id: contactID, in: db) else { return (nil, nil) }
            let edited = LocalEdit.apply(update, to: cached.contact.fields)
            try Self.store([try Contact(json: .object(edited))], fetchedAt: cached.fetchedAt, overlayUnsent: false, in: db)
            return (cached.contact.email, LocalEdit.base(of: cached.contact, for: update))
        }
    }

    /// Queues an upsert (create, or match by email then phone). A cached contact with this email
    /// shows the change at once, as the server will apply it (merged, a deleted one restored),
    /// so an edit made next takes it as its base.
    @discardableResult
    public func queueUpsert(_ upsert: ContactUpsert) async throws -> OutboxEntry {
        try await enqueue(kind: .upsert, contactID: nil, body: upsert.json) { db in
            if let cached = try Self.cachedContact(emailKey: Self.emailKey(upsert.email), in: db) {
                var update = ContactUpdate(json: upsert.json)
                update.email = nil  // matched by email, the server keeps its spelling
                let edited = LocalEdit.apply(update, to: cached.contact.fields)
                try Self.store([try Contact(json: .object(edited))], fetchedAt: cached.fetchedAt, overlayUnsent: false, in: db)
            }
            return (upsert.email, nil)
        }
    }

    /// Queues a soft delete; the cached copy is marked deleted at once.
    @discardableResult
    public func queueDelete(contactID: ContactID) async throws -> OutboxEntry {
        try await enqueue(kind: .delete, contactID: contactID, body: .object([:])) { db in
            let email = try Self.cachedContact(id: contactID, in: db)?.contact.email
            try db.execute(sql: "UPDATE contact SET deleted = 1 WHERE contactID = ?", arguments: [contactID.rawValue])
            return (email, nil)
        }
    }

    /// Inserts an outbox row in one write transaction with `localChange`, which makes the
    /// optimistic change to the cached copy and returns the email and base values to record.
    private func enqueue(
        kind: OutboxEntry.Kind, contactID: ContactID?, body: JSONValue,
        localChange: @escaping @Sendable (Database) throws -> (email: String?, base: [String: JSONValue]?)
    ) async throws -> OutboxEntry {
        let now = clock.now().timeIntervalSince1970
        let key = MinimoClient.newIdempotencyKey()
        return try await database.write { db in
            let (email, base) = try localChange(db)
            try db.execute(
                sql: """
                    INSERT INTO outbox(kind, contactID, email, body, base, idempotencyKey, state, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, \(OutboxEntry.State.pending.sql), ?, ?)
                    """,
                arguments: [
                    kind.rawValue, contactID?.rawValue, email, body.serialized(), base.map { JSONValue.object($0).serialized() },
                    key, now, now,
                ])
            let seq = db.lastInsertedRowID
            guard let entry = try Self.entry(seq, in: db) else {
                throw MinimoError(.decoding, message: "the outbox entry vanished")
            }
            return entry
        }
    }

    /// Entries in queue order; by default everything not yet confirmed.
    public func outbox(states: Set<OutboxEntry.State> = [.pending, .sending, .failed, .conflict]) async throws -> [OutboxEntry] {
        let names = states.map(\.rawValue)
        guard !names.isEmpty else { return [] }
        return try await database.read { db in
            try OutboxEntry.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE state IN (\(names.map { _ in "?" }.joined(separator: ","))) ORDER BY seq",
                arguments: StatementArguments(names))
        }
    }

    /// One entry, whatever its state (a `done` one carries the server's answer); nil once it
    /// has been dropped.
    public func outboxEntry(_ seq: Int64) async throws -> OutboxEntry? {
        try await database.read { db in try Self.entry(seq, in: db) }
    }

    static func entry(_ seq: Int64, in db: Database) throws -> OutboxEntry? {
        try OutboxEntry.fetchOne(db, sql: "SELECT * FROM outbox WHERE seq = ?", arguments: [seq])
    }

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
            try db.execute(
                sql: """
                    UPDATE outbox SET state = \(OutboxEntry.State.pending.sql), claimPid = NULL, claimToken = NULL, claimUntil = NULL,
                        lastError = NULL, lastStatus = NULL, serverValues = NULL, updatedAt = ?
                    WHERE seq = ? AND state IN \(OutboxEntry.State.sqlList([.failed, .pending, .sending]))
                    """, arguments: [now.timeIntervalSince1970, seq])
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
                sql: """
                    UPDATE outbox SET state = \(OutboxEntry.State.pending.sql), base = serverValues, serverValues = NULL,
                        claimPid = NULL, claimToken = NULL, claimUntil = NULL, updatedAt = ?
                    WHERE seq = ? AND state = \(OutboxEntry.State.conflict.sql)
                    """, arguments: [now, seq])
            guard db.changesCount == 1 else {
                throw MinimoError(.notFound, message: "outbox entry \(seq) is not a held conflict")
            }
        }
    }

    /// Forgets an unsent entry (the local copy is refreshed on the next lookup).
    public func dropOutboxEntry(_ seq: Int64) async throws {
        try await database.write { db in
            let notDone = "seq = ? AND state != \(OutboxEntry.State.done.sql)"
            let contactID = try String.fetchOne(db, sql: "SELECT contactID FROM outbox WHERE \(notDone)", arguments: [seq])
            try db.execute(sql: "DELETE FROM outbox WHERE \(notDone)", arguments: [seq])
            guard db.changesCount == 1 else { throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)") }
            // The optimistic copy no longer reflects anything true: make it stale so it is refetched.
            if let contactID {
                try db.execute(sql: "UPDATE contact SET fetchedAt = 0 WHERE contactID = ?", arguments: [contactID])
            }
        }
    }

    /// Sends what the outbox holds, in order; entries another live process is sending are left
    /// to it (see `OutboxSender`). Drains never overlap within one store: a second caller (the
    /// TUI's retry loop and a save at the same moment) waits for the first, then finds only what
    /// is left, so no entry is sent twice at once.
    @discardableResult
    public func sendOutbox() async -> OutboxReport {
        await drains.run { await OutboxSender(store: self).drain() }
    }
}

/// Runs one operation at a time, in call order (an async mutex without blocking a thread).
actor SerialRunner {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        let previous = tail
        let task = Task { () -> T in
            await previous?.value
            return await operation()
        }
        tail = Task { _ = await task.value }
        return await task.value
    }
}
