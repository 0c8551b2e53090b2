import Foundation
import GRDB
import MinimoKit

extension ContactStore {
    /// Queues an update by id. In one transaction: the outbox row (with a fresh idempotency key
    /// and the base values of the touched fields, from the cached copy) and the optimistic local
    /// change. Nothing is sent here: `sendOutbox()` does that.
    @discardableResult
    public func queueUpdate(contactID: ContactID, _ update: ContactUpdate) async throws -> OutboxEntry {
        let cached = try await cachedContact(id: contactID)
        let base = cached.map { LocalEdit.base(of: $0.contact, for: update) }
        let email = cached?.contact.email
        let fetchedAt = cached?.fetchedAt
        return try await enqueue(kind: .update, contactID: contactID, email: email, body: update.json, base: base) { db in
            guard let cached, let fetchedAt else { return }
            let edited = LocalEdit.apply(update, to: cached.contact.fields)
            try Self.store([try Contact(json: .object(edited))], fetchedAt: fetchedAt, overlayUnsent: false, in: db)
        }
    }

    /// Queues an upsert (create, or match by email then phone). A cached contact with this email
    /// shows the change at once, as the server will apply it (merged, a deleted one restored),
    /// so an edit made next takes it as its base.
    @discardableResult
    public func queueUpsert(_ upsert: ContactUpsert) async throws -> OutboxEntry {
        let cached = try await cachedContact(email: upsert.email)
        return try await enqueue(kind: .upsert, contactID: nil, email: upsert.email, body: upsert.json, base: nil) { db in
            guard let cached else { return }
            var update = ContactUpdate(json: upsert.json)
            update.email = nil  // matched by email, the server keeps its spelling
            let edited = LocalEdit.apply(update, to: cached.contact.fields)
            try Self.store([try Contact(json: .object(edited))], fetchedAt: cached.fetchedAt, overlayUnsent: false, in: db)
        }
    }

    /// Queues a soft delete; the cached copy is marked deleted at once.
    @discardableResult
    public func queueDelete(contactID: ContactID) async throws -> OutboxEntry {
        let email = try await cachedContact(id: contactID)?.contact.email
        return try await enqueue(kind: .delete, contactID: contactID, email: email, body: .object([:]), base: nil) { db in
            try db.execute(sql: "UPDATE contact SET deleted = 1 WHERE contactID = ?", arguments: [contactID.rawValue])
        }
    }

    private func enqueue(
        kind: OutboxEntry.Kind, contactID: ContactID?, email: String?, body: JSONValue, base: [String: JSONValue]?,
        localChange: @escaping @Sendable (Database) throws -> Void
    ) async throws -> OutboxEntry {
        let now = clock.now().timeIntervalSince1970
        let key = MinimoClient.newIdempotencyKey()
        return try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox(kind, contactID, email, body, base, idempotencyKey, state, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                    """,
                arguments: [
                    kind.rawValue, contactID?.rawValue, email, body.serialized(), base.map { JSONValue.object($0).serialized() },
                    key, now, now,
                ])
            let seq = db.lastInsertedRowID
            try localChange(db)
            guard let entry = try OutboxEntry.fetchOne(db, sql: "SELECT * FROM outbox WHERE seq = ?", arguments: [seq]) else {
                throw MinimoError(.decoding, message: "the outbox entry vanished")
            }
            return entry
        }
    }

    /// Entries in queue order; by default everything not yet confirmed.
    public func outbox(states: Set<OutboxEntry.State> = [.pending, .sending, .failed, .conflict]) async throws -> [OutboxEntry] {
        let names = states.map(\.rawValue)
        guard !names.isEmpty else { return [] }
        return try await database.pool.read { db in
            try OutboxEntry.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE state IN (\(names.map { _ in "?" }.joined(separator: ","))) ORDER BY seq",
                arguments: StatementArguments(names))
        }
    }

    /// Puts a failed entry back in the queue, with the same idempotency key.
    public func retryOutboxEntry(_ seq: Int64) async throws {
        try await setState(seq, .pending, allowedFrom: [.failed, .pending, .sending])
    }

    /// Sends a held conflict anyway: the edit is re-based on the server's current values.
    public func overrideConflict(_ seq: Int64) async throws {
        let now = clock.now().timeIntervalSince1970
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', base = serverValues, serverValues = NULL, updatedAt = ?
                    WHERE seq = ? AND state = 'conflict'
                    """, arguments: [now, seq])
            guard db.changesCount == 1 else {
                throw MinimoError(.notFound, message: "outbox entry \(seq) is not a held conflict")
            }
        }
    }

    /// Forgets an unsent entry (the local copy is refreshed on the next lookup).
    public func dropOutboxEntry(_ seq: Int64) async throws {
        try await database.pool.write { db in
            let contactID = try String.fetchOne(db, sql: "SELECT contactID FROM outbox WHERE seq = ? AND state != 'done'", arguments: [seq])
            try db.execute(sql: "DELETE FROM outbox WHERE seq = ? AND state != 'done'", arguments: [seq])
            guard db.changesCount == 1 else { throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)") }
            // The optimistic copy no longer reflects anything true: make it stale so it is refetched.
            if let contactID {
                try db.execute(sql: "UPDATE contact SET fetchedAt = 0 WHERE contactID = ?", arguments: [contactID])
            }
        }
    }

    func setState(
        _ seq: Int64, _ state: OutboxEntry.State, allowedFrom: Set<OutboxEntry.State>, error: String? = nil,
        status: Int? = nil, serverValues: [String: JSONValue]? = nil, countAttempt: Bool = false
    ) async throws {
        let now = clock.now().timeIntervalSince1970
        let from = allowedFrom.map(\.rawValue)
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = ?, lastError = ?, lastStatus = ?, serverValues = ?, updatedAt = ?,
                        attempts = attempts + ?
                    WHERE seq = ? AND state IN (\(from.map { _ in "?" }.joined(separator: ",")))
                    """,
                arguments: StatementArguments([
                    state.rawValue, error, status, serverValues.map { JSONValue.object($0).serialized() }, now,
                    countAttempt ? 1 : 0, seq,
                ] as [(any DatabaseValueConvertible)?]) + StatementArguments(from))
            guard db.changesCount == 1 else {
                throw MinimoError(.notFound, message: "outbox entry \(seq) is not in a state that allows this")
            }
        }
    }

    /// Sends what is queued, in order. See `OutboxSender`.
    @discardableResult
    /// Sends what the outbox holds, in order. Drains never overlap within one store: a second
    /// caller (the TUI's retry loop and a save at the same moment) waits for the first, then
    /// finds only what is left, so no entry is sent twice at once.
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
