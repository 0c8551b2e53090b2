import Foundation
import GRDB
import MinimoKit

/// One change made to many contacts at once: the TUI's bulk edit of marked contacts.
public enum BulkChange: Sendable, Hashable {
    /// Sets a custom field to a value (typed by its definition before it gets here).
    case setField(key: String, value: JSONValue)
    /// Removes a custom field (sent as `null`).
    case unsetField(key: String)
    /// Sets marketing consent on the channels given (nil: that channel is left alone).
    case consent(MarketingConsent)

    /// The update for one contact: only what differs from `contact`; empty when nothing would
    /// change. A field key is matched ignoring case (definitions say `PLAN` where contacts hold
    /// `plan`) and sent in the contact's own spelling, or else in `newKey`'s.
    public func update(for contact: Contact, newKey: String? = nil) -> ContactUpdate {
        func stored(_ key: String) -> String? {
            contact.customFields[key] != nil ? key : contact.customFields.keys.sorted().first { $0.lowercased() == key.lowercased() }
        }
        switch self {
        case .setField(let key, let value):
            let spelled = stored(key) ?? newKey ?? key
            return contact.customFields[spelled] == value ? ContactUpdate() : ContactUpdate(customFields: [spelled: value])
        case .unsetField(let key):
            guard let spelled = stored(key) else { return ContactUpdate() }
            return ContactUpdate(customFields: [spelled: .null])
        case .consent(let wanted):
            var consent = MarketingConsent()
            let current = contact.marketingConsent
            if let email = wanted.email, email != current?.email { consent.email = email }
            if let whatsapp = wanted.whatsapp, whatsapp != current?.whatsapp { consent.whatsapp = whatsapp }
            return ContactUpdate(marketingConsent: consent)
        }
    }

    /// `set plan = "pro"`, `unset plan`, `email consent on`: a few words for a title.
    public var summary: String {
        switch self {
        case .setField(let key, let value): "set \(key) = \(value.jsonText)"
        case .unsetField(let key): "unset \(key)"
        case .consent(let consent):
            [consent.email.map { "email consent \($0 ? "on" : "off")" }, consent.whatsapp.map { "WhatsApp consent \($0 ? "on" : "off")" }]
                .compactMap { $0 }.joined(separator: ", ")
        }
    }
}

/// What a bulk change would do to each marked contact, read from the cache before anything is
/// queued: the review shows it, and `queueBulk` queues only the contacts that change.
public struct BulkPlan: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Sent: this update (only what changes).
        case send(ContactUpdate)
        /// The cached copy, within the freshness TTL, already holds the value: 0 requests.
        case unchanged
        /// Not in the cache any more, or soft-deleted: skipped (an update would restore it).
        case skipped(String)
    }

    public struct Item: Sendable, Hashable {
        public var id: ContactID
        public var email: String?
        public var outcome: Outcome
        /// Sent although the cached copy holds the value already: that copy is older than the
        /// freshness TTL, and the server may hold something else.
        public var sentToBeSure: Bool

        public init(id: ContactID, email: String?, outcome: Outcome, sentToBeSure: Bool = false) {
            self.id = id
            self.email = email
            self.outcome = outcome
            self.sentToBeSure = sentToBeSure
        }
    }

    public var change: BulkChange
    public var items: [Item]

    public init(change: BulkChange, items: [Item]) {
        self.change = change
        self.items = items
    }

    /// One request per contact that changes: a bulk edit is queued without a conflict check.
    public var requests: Int { items.count { if case .send = $0.outcome { return true } else { return false } } }
    public var unchanged: Int { items.count { $0.outcome == .unchanged } }
    public var skipped: Int { items.count { if case .skipped = $0.outcome { return true } else { return false } } }
    /// Contacts sent although the cached copy seemed to hold the value already: it was stale.
    public var toCheck: Int { items.count(where: \.sentToBeSure) }
}

/// A batch of edits in the outbox (a bulk edit, an import), as counted by state.
public struct OutboxBatchSummary: Sendable, Hashable {
    public var batch: String
    public var counts: [OutboxEntry.State: Int]
    /// Queued by a minimo process that is still running (not this one): it sends them itself.
    public var queuedByLiveProcess: Bool
    public var firstQueuedAt: Date

    public var total: Int { counts.values.reduce(0, +) }
    public var unsent: Int { (counts[.pending] ?? 0) + (counts[.sending] ?? 0) }
}

extension ContactStore {
    /// Plans `change` for these contacts from their cached copies. A contact whose cached copy
    /// already holds the value costs nothing when the copy is within the freshness TTL; a stale
    /// copy that seems to hold it is sent anyway (the server may hold something else). A field
    /// a contact lacks is added in the spelling the other marked contacts use (as an import
    /// does), so one field never ends up under two spellings.
    public func planBulk(_ change: BulkChange, contacts ids: [ContactID]) async throws -> BulkPlan {
        let now = clock.now()
        let ttl = policy.ttl
        let items = try await database.read { db in
            let cached = try ids.map { try Self.cachedContact(id: $0, in: db) }
            var newKey: String?
            if case .setField(let key, _) = change {
                newKey = cached.lazy.compactMap { $0?.contact.customFields.keys.sorted().first { $0.lowercased() == key.lowercased() } }.first
            }
            return zip(ids, cached).map { id, cached -> BulkPlan.Item in
                guard let cached else {
                    return BulkPlan.Item(id: id, email: nil, outcome: .skipped("not in the cache"))
                }
                let contact = cached.contact
                let stale = now.timeIntervalSince(cached.fetchedAt) >= ttl
                if contact.deleted {
                    return BulkPlan.Item(id: id, email: contact.email, outcome: .skipped("deleted"))
                }
                let update = change.update(for: contact, newKey: newKey)
                if update.isEmpty, stale, let sure = Self.updateToBeSure(change, contact: contact) {
                    // Seems unchanged, but the copy is old: send the value to be sure.
                    return BulkPlan.Item(id: id, email: contact.email, outcome: .send(sure), sentToBeSure: true)
                }
                return BulkPlan.Item(id: id, email: contact.email, outcome: update.isEmpty ? .unchanged : .send(update))
            }
        }
        return BulkPlan(change: change, items: items)
    }

    /// The whole change for a contact whose stale copy already holds it: a field set in the
    /// spelling the contact holds, consent as wanted. An unset of a field the copy lacks is not
    /// sent (nothing suggests the server holds it).
    static func updateToBeSure(_ change: BulkChange, contact: Contact) -> ContactUpdate? {
        switch change {
        case .setField(let key, let value):
            let spelled = contact.customFields.keys.sorted().first { $0.lowercased() == key.lowercased() } ?? key
            return ContactUpdate(customFields: [spelled: value])
        case .unsetField: return nil
        case .consent(let consent): return ContactUpdate(marketingConsent: consent)
        }
    }

    /// Queues the plan's updates at background priority under `batch`, without conflict checks
    /// (a bulk edit sets a value whatever was there: one request per contact). Idempotency keys
    /// derive from the batch and the contact, so queueing the same plan again queues nothing.
    @discardableResult
    public func queueBulk(_ plan: BulkPlan, batch: String) async throws -> OutboxBatchQueued {
        let writes = plan.items.compactMap { item -> OutboxWrite? in
            guard case .send(let update) = item.outcome else { return nil }
            return OutboxWrite(.update(item.id, update), idempotencyKey: "minimo-\(batch)-\(item.id.rawValue)")
        }
        return try await queueBatch(writes, priority: .background, batch: batch, checksConflicts: false)
    }

    /// Batches whose name starts with `prefix` that still hold unsent entries, oldest first.
    public func unfinishedBatches(prefix: String) async throws -> [OutboxBatchSummary] {
        let rows = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT batch, state, COUNT(*) AS n, MIN(createdAt) AS first, MAX(queuedByPid) AS pid FROM outbox
                    WHERE batch >= ? AND batch < ? GROUP BY batch, state
                    """, arguments: [prefix, prefix + "\u{10FFFF}"]
            ).map { row in
                (batch: row["batch"] as String, state: row["state"] as String, count: row["n"] as Int, first: row["first"] as Double,
                 pid: row["pid"] as Int32?)
            }
        }
        var summaries: [String: OutboxBatchSummary] = [:]
        let me = getpid()
        for row in rows {
            let first = Date(timeIntervalSince1970: row.first)
            var summary = summaries[row.batch]
                ?? OutboxBatchSummary(
                    batch: row.batch, counts: [:], queuedByLiveProcess: row.pid.map { $0 != me && OutboxClaim.isAlive($0) } ?? false,
                    firstQueuedAt: first)
            if let state = OutboxEntry.State(rawValue: row.state) { summary.counts[state, default: 0] += row.count }
            summary.firstQueuedAt = min(summary.firstQueuedAt, first)
            summaries[row.batch] = summary
        }
        return summaries.values.filter { $0.unsent > 0 }.sorted { $0.firstQueuedAt < $1.firstQueuedAt }
    }

    /// Cancels what of `batch` has not gone out: its pending entries are dropped (an entry being
    /// sent at this moment finishes). The contacts' cached copies, which showed the edit ahead
    /// of the server, are marked stale so the next look fetches them. Returns how many were
    /// dropped.
    @discardableResult
    public func cancelBatch(_ batch: String) async throws -> Int {
        try await database.write { db in
            let pending: SQL = "batch = \(batch) AND state = \(OutboxEntry.State.pending)"
            let ids = try String.fetchAll(db, SQLRequest(literal: "SELECT contactID FROM outbox WHERE \(pending) AND contactID IS NOT NULL"))
            try db.execute(literal: "DELETE FROM outbox WHERE \(pending)")
            let dropped = db.changesCount
            for id in ids { try db.execute(sql: "UPDATE contact SET fetchedAt = 0 WHERE contactID = ?", arguments: [id]) }
            return dropped
        }
    }
}
