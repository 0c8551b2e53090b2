import Foundation
import GRDB
import MinimoKit

/// One field an unsent edit changes, with the three values a person needs to decide a conflict:
/// what it held when the edit began, what the server holds now (known once the sender found a
/// conflict), and what the edit sets.
public struct OutboxChange: Sendable, Hashable {
    /// `customFields.plan`, `marketingConsent.email`, `email`, `phone`.
    public var path: String
    /// The value when the edit began (nil: not recorded, e.g. a bulk edit, or an upsert).
    public var base: JSONValue?
    /// The server's value when the sender checked, for a field that changed meanwhile.
    public var server: JSONValue?
    /// What the edit sets (`null` deletes the field).
    public var mine: JSONValue
    /// Changed on the server since the edit began: the reason the edit is held.
    public var conflicting: Bool { server != nil }

    /// The custom field's key, for a `customFields.KEY` path.
    public var fieldKey: String? { path.hasPrefix("customFields.") ? String(path.dropFirst("customFields.".count)) : nil }
}

extension OutboxEntry {
    /// The fields this edit changes, in a stable order (custom fields by key, then consent,
    /// email, phone), each with its base, the server's value and this edit's.
    public var changes: [OutboxChange] {
        let update = ContactUpdate(json: body)
        var mine: [(String, JSONValue)] = update.customFields.keys.sorted().map { ("customFields.\($0)", update.customFields[$0]!) }
        if let email = update.marketingConsent.email { mine.append(("marketingConsent.email", .bool(email))) }
        if let whatsapp = update.marketingConsent.whatsapp { mine.append(("marketingConsent.whatsapp", .bool(whatsapp))) }
        if let email = update.email { mine.append(("email", .string(email))) }
        if let phone = update.phone { mine.append(("phone", .string(phone))) }
        return mine.map { path, value in
            OutboxChange(path: path, base: base?[path], server: serverValues?[path], mine: value)
        }
    }

    /// The edit as the update it sends (for an update; an upsert's body reads the same way).
    public var update: ContactUpdate { ContactUpdate(json: body) }
}

/// What resolving a held or refused edit did.
public enum OutboxResolution: Sendable, Hashable {
    /// Mine went out: the server holds it now.
    case sent(SentAnswer)
    /// Mine is queued again but was not sent (offline, the quota, another conflict): the reason.
    case notSent(state: OutboxEntry.State, reason: String)
    /// Mine was dropped and the contact fetched again: the server's copy (nil: it is gone).
    case tookTheirs(Contact?)
}

extension ContactStore {
    /// The unsent entries a person can act on, for the TUI's outbox view: every held conflict
    /// and refused edit, then the first `pendingLimit` still queued (an import may have queued
    /// 10,000), each kind in queue order.
    public func outboxForReview(pendingLimit: Int = 200) async throws -> [OutboxEntry] {
        try await database.read { db in
            let actionable = try OutboxEntry.filter(OutboxEntry.State.actionable.contains(OutboxEntry.Columns.state))
                .order(OutboxEntry.Columns.seq).fetchAll(db)
            let queued = try OutboxEntry.filter(OutboxEntry.State.unsent.contains(OutboxEntry.Columns.state))
                .order(OutboxEntry.Columns.seq).limit(max(0, pendingLimit)).fetchAll(db)
            return actionable + queued
        }
    }

    /// The unsent entries of one contact (queued, being sent, held, refused), oldest first: the
    /// detail pane marks the fields they change.
    public func outbox(contactID: ContactID) async throws -> [OutboxEntry] {
        try await database.read { db in
            try OutboxEntry.filter(OutboxEntry.Columns.contactID == contactID.rawValue)
                .filter(OutboxEntry.State.unconfirmed.contains(OutboxEntry.Columns.state))
                .order(OutboxEntry.Columns.seq).fetchAll(db)
        }
    }

    /// Keep mine: a held conflict is sent anyway, the server's values becoming its base (it is
    /// checked again, so a third change meanwhile is held again, not overwritten); a refused
    /// edit is queued again as it is. Then the outbox is drained (interactive entries only) and
    /// the entry's fate is said.
    public func resolveKeepingMine(_ seq: Int64) async throws -> OutboxResolution {
        guard let entry = try await outboxEntry(seq), entry.state != .done else {
            throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)")
        }
        if entry.state == .conflict { try await overrideConflict(seq) } else { try await retryOutboxEntry(seq) }
        let report = await sendOutbox(OutboxDrainOptions(interactiveOnly: entry.priority == .interactive))
        guard let after = try await outboxEntry(seq) else {
            return .notSent(state: .pending, reason: "dropped meanwhile by another minimo process")
        }
        if let answer = after.answer { return .sent(answer) }
        let reason = after.lastError ?? report.stoppedBy ?? (after.state == .sending ? "another minimo process is sending it" : "still queued")
        return .notSent(state: after.state, reason: reason)
    }

    /// Take theirs: the edit is dropped (nothing is written) and the contact fetched again
    /// from the server, so the screen and the cache hold what the server holds.
    public func resolveTakingTheirs(_ seq: Int64) async throws -> OutboxResolution {
        guard let entry = try await outboxEntry(seq), entry.state != .done else {
            throw MinimoError(.notFound, message: "no unsent outbox entry \(seq)")
        }
        try await dropOutboxEntry(seq)
        guard let email = entry.email else { return .tookTheirs(nil) }
        do {
            return .tookTheirs(try await contact(email: email, refresh: true).contact)
        } catch let error as MinimoError where error.kind == .notFound {
            return .tookTheirs(nil)
        }
    }
}
