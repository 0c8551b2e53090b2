import Foundation
import GRDB
import MinimoKit

extension ContactStore {
    /// Queues an update by id. In one transaction: the outbox row (with the base values of the
    /// touched fields, from the cached copy) and the optimistic local change. The cached copy is
    /// read in that same (IMMEDIATE) transaction: another process queueing an edit of the same
    /// contact at the same moment cannot slip in between, so each edit's base includes every
    /// edit queued before it (or its conflict check would trip over them). Nothing is sent here:
    /// `sendOutbox()` does that. With `options.idempotencyKey` already in the outbox, returns
    /// that entry and changes nothing.
    @discardableResult
    public func queueUpdate(contactID: ContactID, _ update: ContactUpdate, options: OutboxQueueOptions = .init()) async throws
        -> OutboxEntry
    {
        try await enqueue(.update(contactID, update), options: options)
    }

    /// Queues an upsert (create, or match by email then phone). A cached contact with this email
    /// shows the change at once, as the server will apply it (merged, a deleted one restored),
    /// so an edit made next takes it as its base. With `options.idempotencyKey` already in the
    /// outbox, returns that entry and changes nothing.
    @discardableResult
    public func queueUpsert(_ upsert: ContactUpsert, options: OutboxQueueOptions = .init()) async throws -> OutboxEntry {
        try await enqueue(.upsert(upsert), options: options)
    }

    /// Queues a soft delete; the cached copy is marked deleted at once.
    @discardableResult
    public func queueDelete(contactID: ContactID, options: OutboxQueueOptions = .init()) async throws -> OutboxEntry {
        try await enqueue(.delete(contactID), options: options)
    }

    /// Queues many writes under caller-given idempotency keys, `transactionSize` to a
    /// transaction (each write with its optimistic local change, as `queueUpsert` and
    /// `queueUpdate` do), so 10,000 rows cost 10 commits, not 10,000: every commit is an fsync
    /// (`synchronous=FULL`). A key already in the outbox is skipped, whatever its state: run
    /// again after an interruption, the same writes are neither queued twice nor sent again.
    /// Transactions are kept short so other processes' writes (a save in the TUI) wait at most
    /// one of them.
    public func queueBatch(
        _ writes: [OutboxWrite], priority: RequestPriority = .background, batch: String?, checksConflicts: Bool = true,
        transactionSize: Int = 1000
    ) async throws -> OutboxBatchQueued {
        if readOnly { throw ReadOnlyProfile() }
        var result = OutboxBatchQueued()
        let size = max(1, transactionSize)
        var start = 0
        while start < writes.count {
            let chunk = Array(writes[start..<min(start + size, writes.count)])
            let now = clock.now().timeIntervalSince1970
            let token = claimToken
            let (queued, existing) = try await database.write { db -> (Int, Int) in
                var queued = 0
                var existing = 0
                for write in chunk {
                    let options = OutboxQueueOptions(
                        idempotencyKey: write.idempotencyKey, priority: priority, batch: batch, checksConflicts: checksConflicts)
                    if try Self.enqueue(write.change, options: options, now: now, token: token, in: db).existing {
                        existing += 1
                    } else {
                        queued += 1
                    }
                }
                return (queued, existing)
            }
            result.queued += queued
            result.alreadyQueued += existing
            start += size
        }
        return result
    }

    private func enqueue(_ change: OutboxWrite.Change, options: OutboxQueueOptions) async throws -> OutboxEntry {
        if readOnly { throw ReadOnlyProfile() }
        let now = clock.now().timeIntervalSince1970
        let token = claimToken
        return try await database.write { db in
            let seq = try Self.enqueue(change, options: options, now: now, token: token, in: db).seq
            guard let entry = try Self.entry(seq, in: db) else {
                throw MinimoError(.decoding, message: "the outbox entry vanished")
            }
            return entry
        }
    }

    /// Inserts one outbox row with its optimistic local change, in `db`'s transaction; or, when
    /// `options.idempotencyKey` is already in the outbox, only returns that entry's number.
    static func enqueue(
        _ change: OutboxWrite.Change, options: OutboxQueueOptions, now: Double, token: String, in db: Database
    ) throws -> (seq: Int64, existing: Bool) {
        if let key = options.idempotencyKey,
            let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM outbox WHERE idempotencyKey = ?"), arguments: [key])
        {
            return (seq, true)
        }
        let kind: OutboxEntry.Kind
        let contactID: ContactID?
        let body: JSONValue
        var email: String?
        var base: [String: JSONValue]?
        switch change {
        case .update(let id, let update):
            (kind, contactID, body) = (.update, id, update.json)
            if let cached = try cachedContact(id: id, in: db) {
                let edited = LocalEdit.apply(update, to: cached.contact.fields)
                try store([try Contact(json: .object(edited))], fetchedAt: cached.fetchedAt, overlayUnsent: false, in: db)
                email = cached.contact.email
                if options.checksConflicts { base = LocalEdit.base(of: cached.contact, for: update) }
            }
        case .upsert(let upsert):
            (kind, contactID, body, email) = (.upsert, nil, upsert.json, upsert.email)
            if let cached = try cachedContact(emailKey: emailKey(upsert.email), in: db) {
                var update = ContactUpdate(json: upsert.json)
                update.email = nil  // matched by email, the server keeps its spelling
                let edited = LocalEdit.apply(update, to: cached.contact.fields)
                try store([try Contact(json: .object(edited))], fetchedAt: cached.fetchedAt, overlayUnsent: false, in: db)
            }
        case .delete(let id):
            (kind, contactID, body) = (.delete, id, .object([:]))
            email = try cachedContact(id: id, in: db)?.contact.email
            try db.execute(sql: "UPDATE contact SET deleted = 1 WHERE contactID = ?", arguments: [id.rawValue])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox(kind, contactID, email, body, base, idempotencyKey, state, createdAt, updatedAt,
                                   priority, queuedByPid, queuedByToken, batch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                kind, contactID?.rawValue, email, body.serialized(), base.map { JSONValue.object($0).serialized() },
                options.idempotencyKey ?? MinimoClient.newIdempotencyKey(), OutboxEntry.State.pending, now, now, options.priority.outboxName, getpid(), token,
                options.batch,
            ])
        return (db.lastInsertedRowID, false)
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
        try OutboxEntry.fetchOne(db.cachedStatement(sql: "SELECT * FROM outbox WHERE seq = ?"), arguments: [seq])
    }

    /// Sends what the outbox holds: interactive entries before background ones, one contact's
    /// edits in the order they were made; entries another live process is sending, and the
    /// background entries another live process queued, are left to it (see `OutboxSender`).
    /// Drains never overlap within one store: a second caller (the TUI's retry loop and a save
    /// at the same moment) waits for the first, then finds only what is left, so no entry is
    /// sent twice at once.
    @discardableResult
    public func sendOutbox(_ options: OutboxDrainOptions = .init()) async -> OutboxReport {
        if readOnly {
            var report = OutboxReport()
            report.stoppedBy = ReadOnlyProfile().message
            return report
        }
        return await drains.run { await OutboxSender(store: self, options: options).drain() }
    }

    /// The state of the entries queued under these idempotency keys (absent: not in the
    /// outbox), read without decoding their bodies: how an import finds the rows an earlier
    /// run queued or applied.
    public func outboxStates(idempotencyKeys keys: [String]) async throws -> [String: OutboxKeyState] {
        var result: [String: OutboxKeyState] = [:]
        var start = 0
        while start < keys.count {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            let states = try await database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, idempotencyKey, state, answerStatus, lastStatus, lastError, contactID
                        FROM outbox WHERE idempotencyKey IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                        """, arguments: StatementArguments(chunk)
                ).map { row -> (String, OutboxKeyState) in
                    (
                        row["idempotencyKey"],
                        OutboxKeyState(
                            seq: row["seq"], state: OutboxEntry.State(rawValue: row["state"]) ?? .pending,
                            answerStatus: row["answerStatus"], lastStatus: row["lastStatus"], lastError: row["lastError"],
                            contactID: (row["contactID"] as String?).map { ContactID($0) })
                    )
                }
            }
            for (key, state) in states { result[key] = state }
            start += 500
        }
        return result
    }

    /// The unsent entries a drain of this store would take, by number, oldest first: every
    /// pending or sending entry except the background ones another live process queued (left to
    /// it). No body is decoded: the TUI polls this every 2 s, beside an import of 10,000 rows.
    public func sendableOutboxEntries() async throws -> [Int64] {
        let rows = try await database.read { db in
            try Row.fetchAll(
                db,
                SQLRequest(literal: """
                    SELECT seq, priority, queuedByPid FROM outbox
                    WHERE state IN \(OutboxEntry.State.unsent) ORDER BY seq
                    """)
            ).map { ($0["seq"] as Int64, RequestPriority(outboxName: $0["priority"]), $0["queuedByPid"] as Int32?) }
        }
        let me = getpid()
        var alive: [Int32: Bool] = [:]
        return rows.compactMap { seq, priority, pid in
            guard priority == .background, let pid, pid != me else { return seq }
            if alive[pid] == nil { alive[pid] = OutboxClaim.isAlive(pid) }
            return alive[pid]! ? nil : seq
        }
    }

    /// Entries not yet confirmed (pending, sending, refused, held), of every process: a count.
    public func unconfirmedOutboxCount() async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, SQLRequest(literal: "SELECT COUNT(*) FROM outbox WHERE state IN \(OutboxEntry.State.unconfirmed)")) ?? 0
        }
    }

    /// How many of `batch`'s entries are in each state.
    public func outboxBatchCounts(_ batch: String) async throws -> [OutboxEntry.State: Int] {
        try await database.read { db in
            var counts: [OutboxEntry.State: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM outbox WHERE batch = ? GROUP BY state", arguments: [batch])
            {
                if let state = OutboxEntry.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }
}

/// One write for `queueBatch`, with the idempotency key the caller chose for it.
public struct OutboxWrite: Sendable, Hashable {
    public enum Change: Sendable, Hashable {
        case upsert(ContactUpsert)
        case update(ContactID, ContactUpdate)
        case delete(ContactID)
    }

    public var change: Change
    public var idempotencyKey: String

    public init(_ change: Change, idempotencyKey: String) {
        self.change = change
        self.idempotencyKey = idempotencyKey
    }
}

/// What `queueBatch` did.
public struct OutboxBatchQueued: Sendable, Hashable {
    /// Writes added to the outbox.
    public var queued = 0
    /// Writes whose key was already in the outbox (queued or done by an earlier run): skipped.
    public var alreadyQueued = 0

    public init() {}
}

/// The state of one outbox entry found by its idempotency key, without its body.
public struct OutboxKeyState: Sendable, Hashable {
    public var seq: Int64
    public var state: OutboxEntry.State
    /// Once done: the HTTP status the server answered (201 created, 200 matched, for an upsert).
    public var answerStatus: Int?
    public var lastStatus: Int?
    public var lastError: String?
    public var contactID: ContactID?
}

/// Runs one operation at a time, in call order (an async mutex without blocking a thread).
/// Cancelling the caller cancels its operation (an import stopped by Ctrl-C stops its drain).
actor SerialRunner {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        let previous = tail
        let task = Task { () -> T in
            await previous?.value
            return await operation()
        }
        tail = Task { _ = await task.value }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }
}
