import Foundation
import GRDB
import MinimoKit

/// The one façade the TUI and the CLI use for contacts, field definitions, edits and exchanges.
/// It answers from the local SQLite cache when it can (a fresh contact costs no request: the
/// API quota is scarce) and goes to the API through `MinimoClient` when it must.
public final class ContactStore: Sendable {
    public let client: MinimoClient
    public let policy: FreshnessPolicy
    public let exchangeLimit: Int
    let database: CacheDatabase
    let clock: MinimoClock
    let persisted = PersistedExchanges()
    let drains = SerialRunner()
    /// Marks this store's outbox claims: random per store, so two stores on one file (two
    /// processes, or two stores in one process) never mistake each other's claims for their own.
    let claimToken = UUID().uuidString.lowercased()
    /// How long a claim on an outbox entry holds without renewal (see `OutboxClaim.defaultLease`).
    public let claimLease: TimeInterval
    /// A read-only profile (`readonly = true`, `--readonly`): every write is refused before it
    /// reaches the outbox (`ReadOnlyProfile`), and nothing queued earlier is sent.
    public let readOnly: Bool

    /// Opens (creating if needed) the cache database at `databaseURL`. Throws a `CacheError`
    /// whose message names the cause.
    public init(
        client: MinimoClient, databaseURL: URL, policy: FreshnessPolicy = .init(), clock: MinimoClock = SystemClock(),
        exchangeLimit: Int = 500, claimLease: TimeInterval = OutboxClaim.defaultLease, readOnly: Bool = false
    ) throws {
        self.readOnly = readOnly
        self.client = client
        self.policy = policy
        self.clock = clock
        self.exchangeLimit = max(1, exchangeLimit)
        self.claimLease = max(1, claimLease)
        self.database = try CacheDatabase.open(at: databaseURL)
    }

    /// The database of `profile` under `location`.
    public convenience init(
        client: MinimoClient, location: CacheLocation, profile: String, policy: FreshnessPolicy = .init(),
        clock: MinimoClock = SystemClock(), readOnly: Bool = false
    ) throws {
        try self.init(client: client, databaseURL: location.databaseURL(profile: profile), policy: policy, clock: clock, readOnly: readOnly)
    }

    public var databasePath: String { database.url.path }

    /// Another store on the same database file and client, with its own outbox claims and its
    /// own queue of drains. The drains of one store run one after the other; long background
    /// work in the same process (the TUI's bulk edit, which may wait minutes for the quota)
    /// drains through a sibling, so a save never waits behind it. Claims keep the two from
    /// sending one entry twice, as they do between processes.
    public func sibling() throws -> ContactStore {
        try ContactStore(
            client: client, databaseURL: database.url, policy: policy, clock: clock, exchangeLimit: exchangeLimit, claimLease: claimLease,
            readOnly: readOnly)
    }

    static func emailKey(_ email: String) -> String { email.lowercased() }

    // MARK: - Lookup

    /// The contact with this email: from the cache when fresh (no request), from the cache at
    /// once plus a background revalidation when stale, else from the API. `refresh` bypasses the
    /// cache (and the memory of a 404).
    public func contact(email: String, refresh: Bool = false, priority: RequestPriority = .interactive) async throws
        -> ContactLookup
    {
        let key = Self.emailKey(email)
        let now = clock.now()
        if !refresh {
            if let (contact, fetchedAt) = try await cached(emailKey: key), !contact.deleted {
                let age = now.timeIntervalSince(fetchedAt)
                if age < policy.ttl {
                    return ContactLookup(contact: contact, source: .freshCache, age: age, revalidation: nil)
                }
                let revalidation = Task { [self] () -> Contact? in
                    try? await fetch(email: email, priority: .background)
                }
                return ContactLookup(contact: contact, source: .staleCache, age: age, revalidation: revalidation)
            }
            if let checkedAt = try await missingSince(emailKey: key), now.timeIntervalSince(checkedAt) < policy.negativeTTL {
                throw MinimoError(
                    .notFound, status: 404, code: "not_found",
                    message: "no contact with this email (the server said so \(Int(now.timeIntervalSince(checkedAt))) s ago; refresh to ask again)")
            }
        }
        guard let (contact, body) = try await fetchWithBody(email: email, priority: priority) else {
            throw MinimoError(.notFound, status: 404, code: "not_found", message: "no contact with this email")
        }
        return ContactLookup(contact: contact, source: .network, age: 0, revalidation: nil, body: body)
    }

    /// Asks the API and stores the answer; remembers a 404. Returns nil for a 404.
    @discardableResult
    func fetch(email: String, priority: RequestPriority) async throws -> Contact? {
        try await fetchWithBody(email: email, priority: priority)?.0
    }

    private func fetchWithBody(email: String, priority: RequestPriority) async throws -> (Contact, Data)? {
        do {
            let response = try await client.contact(email: email, priority: priority)
            try await store([response.value], fetchedAt: clock.now())
            await persistExchanges()
            return (response.value, response.body)
        } catch let error as MinimoError where error.kind == .notFound {
            let key = Self.emailKey(email)
            let now = clock.now().timeIntervalSince1970
            try await database.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO missing_email(emailKey, checkedAt) VALUES (?, ?)", arguments: [key, now])
                // A contact we held under this email is gone (deleted, or renamed elsewhere),
                // unless an unsent edit of ours restores it.
                try db.execute(
                    literal: """
                        UPDATE contact SET deleted = 1 WHERE emailKey = \(key) AND contactID NOT IN
                            (SELECT contactID FROM outbox
                             WHERE state IN \(OutboxEntry.State.unsent) AND kind = \(OutboxEntry.Kind.update) AND contactID IS NOT NULL)
                        """)
            }
            await persistExchanges()
            return nil
        } catch {
            await persistExchanges()
            throw error
        }
    }

    /// The cached copy, whatever its age, without any request.
    public func cachedContact(email: String) async throws -> (contact: Contact, fetchedAt: Date)? {
        try await cached(emailKey: Self.emailKey(email)).map { ($0.0, $0.1) }
    }

    public func cachedContact(id: ContactID) async throws -> (contact: Contact, fetchedAt: Date)? {
        try await database.read { db in try Self.cachedContact(id: id, in: db) }
    }

    static func cachedContact(id: ContactID, in db: Database) throws -> (contact: Contact, fetchedAt: Date)? {
        try Row.fetchOne(db, sql: "SELECT json, fetchedAt, deleted FROM contact WHERE contactID = ?", arguments: [id.rawValue])
            .map { try Self.decode($0) }
    }

    private func cached(emailKey: String) async throws -> (Contact, Date)? {
        try await database.read { db in try Self.cachedContact(emailKey: emailKey, in: db).map { ($0.contact, $0.fetchedAt) } }
    }

    static func cachedContact(emailKey: String, in db: Database) throws -> (contact: Contact, fetchedAt: Date)? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT json, fetchedAt, deleted FROM contact WHERE emailKey = ? ORDER BY deleted, fetchedAt DESC LIMIT 1"),
            arguments: [emailKey]
        ).map { try Self.decode($0) }
    }

    private func missingSince(emailKey: String) async throws -> Date? {
        try await database.read { db in
            try Double.fetchOne(db, sql: "SELECT checkedAt FROM missing_email WHERE emailKey = ?", arguments: [emailKey])
        }.map { Date(timeIntervalSince1970: $0) }
    }

    /// A cached contact; the `deleted` column, when selected, wins over the stored JSON (a
    /// queued delete or a 404 marks the column only).
    static func decode(_ row: Row) throws -> (Contact, Date) {
        let data: Data = row["json"]
        var contact = try Contact(json: JSONValue.parse(data))
        if row.hasColumn("deleted") {
            let deleted: Bool = row["deleted"]
            if deleted != contact.deleted {
                contact.deleted = deleted
                contact.fields["deleted"] = .bool(deleted)
            }
        }
        return (contact, Date(timeIntervalSince1970: row["fetchedAt"]))
    }

    /// Puts contacts into the cache as if just fetched (imports, benchmarks, tests).
    public func cacheContacts(_ contacts: [Contact], fetchedAt: Date? = nil) async throws {
        try await store(contacts, fetchedAt: fetchedAt ?? clock.now())
    }

    /// Writes contacts as the server sent them, in one transaction.
    func store(_ contacts: [Contact], fetchedAt: Date) async throws {
        guard !contacts.isEmpty else { return }
        try await database.write { db in try Self.store(contacts, fetchedAt: fetchedAt, in: db) }
    }

    /// Writes contacts in `db`. With `overlayUnsent` (the default), the edits still in the outbox
    /// for a contact are applied on top of the server's copy, in queue order: a lookup or a sync
    /// that lands while an edit waits must not make the edit look undone (and the next edit's
    /// base values must include it, or its conflict check would trip over our own earlier edit).
    static func store(_ contacts: [Contact], fetchedAt: Date, overlayUnsent: Bool = true, in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO contact(contactID, emailKey, json, fetchedAt, deleted) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(contactID) DO UPDATE SET emailKey = excluded.emailKey, json = excluded.json,
                fetchedAt = excluded.fetchedAt, deleted = excluded.deleted
            """)
        let forget = try db.cachedStatement(sql: "DELETE FROM missing_email WHERE emailKey = ?")
        let unsent = try OutboxEntry.filter(OutboxEntry.State.unsent.contains(OutboxEntry.Columns.state)).isEmpty(db) == false
        let overlay = overlayUnsent && unsent == true
        for fetched in contacts {
            let contact = overlay ? try withUnsentEdits(fetched, in: db) : fetched
            let key = contact.email.map(emailKey)
            try statement.execute(arguments: [
                contact.id.rawValue, key, JSONValue.object(contact.fields).serialized(), fetchedAt.timeIntervalSince1970,
                contact.deleted,
            ])
            if let key { try forget.execute(arguments: [key]) }
        }
    }

    /// `contact` with the outbox's unsent edits of it applied, in queue order: updates and
    /// deletes by id, upserts by email (matched by email, an upsert keeps the stored spelling).
    static func withUnsentEdits(_ contact: Contact, in db: Database) throws -> Contact {
        let entries = try Row.fetchAll(
            db,
            SQLRequest(literal: """
                SELECT kind, body FROM outbox WHERE state IN \(OutboxEntry.State.unsent)
                AND (contactID = \(contact.id.rawValue) OR (kind = \(OutboxEntry.Kind.upsert) AND contactID IS NULL AND lower(email) = \(contact.email.map(emailKey))))
                ORDER BY seq
                """))
        guard !entries.isEmpty else { return contact }
        var fields = contact.fields
        for entry in entries {
            let body = (try? JSONValue.parse(entry["body"] as Data)) ?? .object([:])
            switch OutboxEntry.Kind(rawValue: entry["kind"]) {
            case .update?:
                fields = LocalEdit.apply(ContactUpdate(json: body), to: fields)
            case .upsert?:
                var update = ContactUpdate(json: body)
                update.email = nil
                fields = LocalEdit.apply(update, to: fields)
            case .delete?:
                fields["deleted"] = .bool(true)
            case nil:
                continue
            }
        }
        return (try? Contact(json: .object(fields))) ?? contact
    }

    // MARK: - Search

    // MARK: - Housekeeping

    public func stats() async throws -> CacheStats {
        let now = clock.now().timeIntervalSince1970
        let ttl = policy.ttl
        var stats = try await database.read { db -> CacheStats in
            var outbox: [OutboxEntry.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = OutboxEntry.State(rawValue: row["state"]) { outbox[state] = row["n"] }
            }
            return CacheStats(
                contacts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM contact WHERE deleted = 0") ?? 0,
                staleContacts: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM contact WHERE deleted = 0 AND fetchedAt < ?", arguments: [now - ttl]) ?? 0,
                rememberedMissing: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM missing_email") ?? 0,
                fieldDefinitions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM field_definition") ?? 0,
                outbox: outbox,
                exchanges: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exchange") ?? 0,
                databaseBytes: 0, path: "",
                lastSync: try Double.fetchOne(db, sql: "SELECT completedAt FROM sync_state WHERE name = 'contacts'")
                    .map { Date(timeIntervalSince1970: $0) })
        }
        stats.path = database.url.path
        stats.databaseBytes = ["", "-wal"].reduce(0) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: database.url.path + suffix)
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
        return stats
    }

    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound database, else the problems found.
    public func integrityCheck() async throws -> [String] {
        try await database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Forgets cached contacts, definitions, exchanges and sync progress. Unsent edits are kept:
    /// clearing a cache must never lose work (drop them explicitly with the outbox commands).
    public func clear() async throws {
        try await database.write { db in
            try db.execute(sql: """
                DELETE FROM contact; DELETE FROM missing_email; DELETE FROM field_definition;
                DELETE FROM exchange; DELETE FROM sync_state;
                """)
            try OutboxEntry.filter(OutboxEntry.Columns.state == OutboxEntry.State.done).deleteAll(db)
        }
        try await database.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        database.tightenPermissions()
    }
}
