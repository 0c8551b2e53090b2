import Foundation
import GRDB
import MinimoKit

/// One cached contact, as `minimo export` writes it.
public struct CachedContactRecord: Sendable {
    public var contact: Contact
    /// The contact object as the cache holds it: the server's object (with any edit still in
    /// the outbox applied), compact JSON with sorted keys, on one line.
    public var json: Data
    public var fetchedAt: Date
}

/// What an export is about to write, read from the same snapshot as the rows: how many
/// contacts, how fresh they are, and the custom field keys they carry.
public struct CacheExportSummary: Sendable {
    /// The normalised search text (trimmed, lowercased), nil for every contact.
    public var query: String?
    /// Non-deleted contacts that match.
    public var contacts: Int
    public var oldestFetch: Date?
    public var newestFetch: Date?
    /// When the last complete `minimo sync` finished; nil when none has (or one is under way).
    public var lastCompleteSync: Date?
    /// A sync that was started and has not finished (interrupted or running elsewhere).
    public var unfinishedSync: UnfinishedSync?
    /// Custom field keys found in the cached contacts (all of them, so that the columns do not
    /// depend on the query), spelled as stored, in the order first met (cache order).
    public var customFieldKeys: [String]
    /// The field definitions cached in the profile, in their order, whatever their age (an
    /// export makes no request).
    public var definitions: [CustomFieldDefinition]
    /// Edits in the outbox not yet confirmed by the server: the cached contacts include them.
    public var unsentEdits: Int

    public struct UnfinishedSync: Sendable, Hashable {
        public var startedAt: Date
        public var stored: Int
        public var total: Int?
    }
}

/// A consistent read of the cache for an export: the summary and every page come from one
/// SQLite snapshot (a read transaction on a connection of its own), so the count announced is
/// the count written even while `minimo sync` or the TUI writes to the same file. Rows are read
/// `pageSize` at a time, in cache order, and handed over one by one: nothing holds them all.
public final class CachedContactExport: Sendable {
    public let summary: CacheExportSummary
    let snapshot: DatabaseSnapshot
    let path: String

    init(snapshot: DatabaseSnapshot, summary: CacheExportSummary, path: String) {
        self.snapshot = snapshot
        self.summary = summary
        self.path = path
    }

    /// Calls `body` with each matching contact, in cache order (the order the cache received
    /// them), reading `pageSize` rows per query. Returns how many were handed over; a row whose
    /// JSON cannot be read as a contact (none is ever stored so) is skipped and counted in
    /// `skipped`.
    @discardableResult
    public func forEach(
        pageSize: Int = 500, skipped: ((Int) -> Void)? = nil, _ body: (CachedContactRecord) async throws -> Void
    ) async throws -> Int {
        let size = max(1, pageSize)
        let query = summary.query
        var after: Int64 = 0
        var count = 0
        var unreadable = 0
        while true {
            try Task.checkCancellation()
            let last = after
            let page: (records: [CachedContactRecord], lastRowID: Int64?, unreadable: Int)
            do {
                page = try await snapshot.read { db in
                    var arguments: StatementArguments = ["after": last, "take": size]
                    let filter = ContactStore.exportFilter(query, arguments: &arguments)
                    let rows = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT rowid AS rid, json, fetchedAt FROM contact c
                            WHERE c.deleted = 0 AND c.rowid > :after\(filter) ORDER BY c.rowid LIMIT :take
                            """, arguments: arguments)
                    var records: [CachedContactRecord] = []
                    records.reserveCapacity(rows.count)
                    var bad = 0
                    for row in rows {
                        if let record = ContactStore.exportRecord(row) { records.append(record) } else { bad += 1 }
                    }
                    return (records, rows.last.map { $0["rid"] as Int64 }, bad)
                }
            } catch let error as DatabaseError {
                throw CacheError(error, path: path)
            }
            unreadable += page.unreadable
            for record in page.records {
                try await body(record)
                count += 1
            }
            guard let lastRowID = page.lastRowID, page.records.count + page.unreadable == size else { break }
            after = lastRowID
        }
        if unreadable > 0 { skipped?(unreadable) }
        return count
    }
}

extension ContactStore {
    /// Opens a consistent read of the non-deleted cached contacts whose email contains `query`
    /// (the search of the TUI and `contacts search`: any part of the address, ignoring case;
    /// all matches, not a first page), or of every non-deleted contact when `query` is nil or
    /// blank. Makes no request: the field definitions are the cached ones, whatever their age.
    public func openExport(matching query: String?) async throws -> CachedContactExport {
        let normalised = query.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let path = database.url.path
        let snapshot: DatabaseSnapshot
        do {
            snapshot = try database.pool.makeSnapshot()
        } catch {
            throw CacheError(error, path: path)
        }
        do {
            let summary = try await snapshot.read { db in try Self.exportSummary(query: normalised, in: db) }
            return CachedContactExport(snapshot: snapshot, summary: summary, path: path)
        } catch let error as DatabaseError {
            throw CacheError(error, path: path)
        }
    }

    /// Pages through the contacts `openExport(matching:)` selects, calling `body` with each; the
    /// summary is not needed first. Returns how many were handed over.
    @discardableResult
    public func forEachCachedContact(
        matching query: String?, pageSize: Int = 500, _ body: (CachedContactRecord) async throws -> Void
    ) async throws -> Int {
        try await openExport(matching: query).forEach(pageSize: pageSize, body)
    }

    /// ` AND …` restricting `contact c` to emails containing `query`, with its argument added.
    /// `instr` on the lowercased email is exactly the search's "any part of the address" (its
    /// FTS5 trigram and LIKE tiers are indexes for a first page; an export reads every match
    /// once, in rowid order, which a plain scan does in one pass).
    static func exportFilter(_ query: String?, arguments: inout StatementArguments) -> String {
        guard let query else { return "" }
        arguments += ["q": query]
        return " AND c.emailKey IS NOT NULL AND instr(c.emailKey, :q) > 0"
    }

    static func exportSummary(query: String?, in db: Database) throws -> CacheExportSummary {
        var arguments: StatementArguments = [:]
        let filter = exportFilter(query, arguments: &arguments)
        let totals = try Row.fetchOne(
            db, sql: "SELECT COUNT(*) AS n, MIN(fetchedAt) AS oldest, MAX(fetchedAt) AS newest FROM contact c WHERE c.deleted = 0\(filter)",
            arguments: arguments)
        let date = { (seconds: Double?) in seconds.map { Date(timeIntervalSince1970: $0) } }
        // The keys of every cached contact, not only the matches: the same columns whatever the
        // query. The custom fields object is where `Contact(json:)` reads it: the first
        // non-null of `custom_fields`, `customFields`; only an object holds fields.
        let keys = try String.fetchAll(
            db,
            sql: """
                WITH m AS (SELECT c.rowid AS rid, CAST(c.json AS TEXT) AS t FROM contact c WHERE c.deleted = 0),
                p AS (SELECT rid, t, CASE WHEN coalesce(json_type(t, '$.custom_fields'), 'null') <> 'null'
                                          THEN '$.custom_fields' ELSE '$.customFields' END AS path FROM m)
                SELECT j.key FROM p, json_each(p.t, p.path) j
                WHERE json_type(p.t, p.path) = 'object'
                GROUP BY j.key ORDER BY MIN(p.rid), j.key
                """)
        let definitions = try Row.fetchAll(db, sql: "SELECT json FROM field_definition ORDER BY position").compactMap { row in
            try? CustomFieldDefinition.decode(JSONValue.parse(row["json"] as Data))
        }
        var lastComplete: Date?
        var unfinished: CacheExportSummary.UnfinishedSync?
        if let sync = try Row.fetchOne(db, sql: "SELECT stored, total, completedAt, startedAt FROM sync_state WHERE name = 'contacts'") {
            if let completed = sync["completedAt"] as Double? {
                lastComplete = Date(timeIntervalSince1970: completed)
            } else {
                unfinished = .init(startedAt: Date(timeIntervalSince1970: sync["startedAt"]), stored: sync["stored"], total: sync["total"])
            }
        }
        let unsent = try Int.fetchOne(db, SQLRequest(literal: "SELECT COUNT(*) FROM outbox WHERE state IN \(OutboxEntry.State.unsent)")) ?? 0
        return CacheExportSummary(
            query: query, contacts: totals?["n"] ?? 0, oldestFetch: date(totals?["oldest"]), newestFetch: date(totals?["newest"]),
            lastCompleteSync: lastComplete, unfinishedSync: unfinished, customFieldKeys: keys, definitions: definitions,
            unsentEdits: unsent)
    }

    /// A row of a non-deleted contact as an export record; nil when its JSON is not a contact.
    static func exportRecord(_ row: Row) -> CachedContactRecord? {
        let data: Data = row["json"]
        guard let json = try? JSONValue.parse(data), var contact = try? Contact(json: json) else { return nil }
        var stored = data
        if contact.deleted {
            // The column says live (an unsent update restores it), the stored JSON says deleted:
            // the column wins, as in every other read of the cache.
            contact.deleted = false
            contact.fields["deleted"] = .bool(false)
            stored = JSONValue.object(contact.fields).serialized()
        }
        return CachedContactRecord(contact: contact, json: stored, fetchedAt: Date(timeIntervalSince1970: row["fetchedAt"]))
    }
}
