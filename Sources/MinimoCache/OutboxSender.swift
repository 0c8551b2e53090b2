import Foundation
import GRDB
import MinimoKit

/// What one drain of the outbox did.
public struct OutboxReport: Sendable, Hashable {
    public var sent = 0
    public var failed = 0
    public var conflicts = 0
    /// Entries left for later because of a transient failure (network, 5xx, 429, the cache).
    public var deferred = 0
    /// The transient failure that stopped the drain, if any: a sentence naming its cause.
    public var stoppedBy: String?
    /// The drain stopped because the server could not be reached (the UI shows "offline").
    public var stoppedByNetwork = false
    /// The drain stopped because the cache itself failed (a lock held too long, a full disk...).
    public var stoppedByCache = false
    /// Requests spent on conflict checks.
    public var conflictChecks = 0
    /// What the server answered to each entry sent, by outbox sequence number.
    public var answers: [Int64: SentAnswer] = [:]
    /// Entries left to another live minimo process that is sending them, with its claim.
    public var heldElsewhere: [Int64: OutboxClaim] = [:]
    /// Entries not tried, to keep the order of one contact's edits: each waits behind an
    /// earlier edit of the same contact that another process is sending (entry → that entry).
    public var waitingBehind: [Int64: Int64] = [:]
    /// Entries taken over from a claimant that had died or whose lease had run out (sent
    /// again under the same idempotency key).
    public var takenOver = 0
    /// Entries this drain sent but whose claim another process had taken over meanwhile (the
    /// lease ran out): the server's answer is in `answers`; the other process records it.
    public var lostClaims = 0

    public init() {}

    /// Entries another process is dealing with (held, or queued behind one it holds).
    public var leftToOtherProcesses: Int { heldElsewhere.count + waitingBehind.count }
}

/// The server's answer to one sent outbox entry (the CLI prints it; `--json` prints `body`).
public struct SentAnswer: Sendable, Hashable {
    public var status: Int
    public var body: Data
    public var contactID: ContactID?
    /// For an upsert: whether the server created the contact (201).
    public var created: Bool?
    /// For an update: the contact as the server now has it, when the answer holds it.
    public var contact: Contact?
}

/// Drains the outbox in queue order.
///
/// Each entry is claimed before its request (see `OutboxClaim`): marked `sending`, durably,
/// with this process's pid, the store's token and a lease, in one conditional UPDATE that only
/// one process can win. Entries another live process holds are skipped, and so are the later
/// edits of the same contact, so that one contact's edits reach the server in the order they
/// were made (each edit's base values, for the conflict check, include the edits before it).
/// An entry whose claimant died, or whose lease ran out, is taken over. Every later change of
/// the entry is conditioned on still holding the claim. Each entry keeps its idempotency key
/// for every attempt, by any process: after a crash the entry is sent again with the same key
/// and the server replays the first answer instead of applying it twice.
///
/// Conflict check: an update that recorded base values first reads the contact from the API
/// (one GET by email per update — the request cost of the check) and compares the server's
/// current values of the touched fields with the base; if any differ the entry is held as a
/// `conflict`, with both values, and not sent.
///
/// A refusal by the server (422, 400, 404, 409, 403, 401) marks the entry `failed` with the error
/// and the drain goes on; a transient failure (network, 5xx, 429, unreadable answer) stops the
/// drain, leaving that entry and the rest queued, so order is kept. So does a failure of the
/// cache itself: it is no refusal by the server, and the edit must not be marked as one.
struct OutboxSender {
    let store: ContactStore

    /// The contacts whose next edits must wait, because another process holds an earlier one.
    private struct HeldTargets {
        private var ids: [String: Int64] = [:]
        private var emails: [String: Int64] = [:]

        mutating func hold(_ entry: OutboxEntry) {
            if let id = entry.contactID?.rawValue, ids[id] == nil { ids[id] = entry.seq }
            if let email = entry.email.map(ContactStore.emailKey), emails[email] == nil { emails[email] = entry.seq }
        }

        func blocker(of entry: OutboxEntry) -> Int64? {
            entry.contactID.flatMap { ids[$0.rawValue] } ?? entry.email.flatMap { emails[ContactStore.emailKey($0)] }
        }
    }

    func drain() async -> OutboxReport {
        var report = OutboxReport()
        let entries: [OutboxEntry]
        do {
            entries = try await store.outbox(states: Set(OutboxEntry.State.unsent))
        } catch {
            report.stoppedBy = "cannot read the outbox: \(CacheError.sentence(for: error))"
            report.stoppedByCache = true
            return report
        }
        var held = HeldTargets()
        for (index, listed) in entries.enumerated() {
            if let blocker = held.blocker(of: listed) {
                report.waitingBehind[listed.seq] = blocker
                held.hold(listed)
                continue
            }
            let entry: OutboxEntry
            do {
                switch try await store.claimOutboxEntry(listed.seq) {
                case .claimed(let claimed, let previous):
                    entry = claimed
                    if previous != nil { report.takenOver += 1 }
                case .heldElsewhere(let claim):
                    report.heldElsewhere[listed.seq] = claim
                    held.hold(listed)
                    continue
                case .settled:
                    continue
                }
            } catch {
                stop(&report, cache: error, doing: "cannot claim outbox entry \(listed.seq)", left: entries.count - index)
                break
            }
            do {
                let checksBefore = report.conflictChecks
                if let conflict = try await checkConflict(entry, report: &report) {
                    try await store.settleClaim(entry.seq, as: .conflict, error: conflict.message, serverValues: conflict.values)
                    report.conflicts += 1
                    continue
                }
                // The check may have waited for the quota: renew the lease, and make sure the
                // entry is still ours, before the write.
                if report.conflictChecks > checksBefore, try await !store.renewClaim(entry.seq) {
                    report.lostClaims += 1
                    continue
                }
                let answer = try await send(entry)
                report.answers[entry.seq] = answer
                report.sent += 1
                if try await !store.settleClaim(entry.seq, as: .done, answer: answer) { report.lostClaims += 1 }
            } catch let error as MinimoError where Self.isRefusal(error) {
                try? await store.settleClaim(entry.seq, as: .failed, error: error.message, status: error.status)
                report.failed += 1
            } catch let error as MinimoError {
                try? await store.settleClaim(entry.seq, as: .pending, error: error.message, status: error.status)
                report.deferred = entries.count - index
                report.stoppedBy = error.description
                report.stoppedByNetwork = error.kind == .network
                break
            } catch is CancellationError {
                try? await store.settleClaim(entry.seq, as: .pending)
                report.deferred = entries.count - index
                report.stoppedBy = "cancelled"
                break
            } catch {
                // The cache failed (the entry may even have been sent: then whoever sends it
                // next gets the server's replay). Release it, and stop.
                try? await store.settleClaim(entry.seq, as: .pending, error: CacheError.sentence(for: error))
                stop(&report, cache: error, doing: "outbox entry \(entry.seq)", left: entries.count - index)
                break
            }
        }
        await store.persistExchanges()
        return report
    }

    private func stop(_ report: inout OutboxReport, cache error: any Error, doing action: String, left: Int) {
        report.deferred = left
        report.stoppedBy = "\(action): \(CacheError.sentence(for: error))"
        report.stoppedByCache = true
    }

    /// The server refused the edit itself: retrying it unchanged would be refused again. Any
    /// other error (network, 5xx, 429, an unreadable answer, a local file minimo could not use)
    /// is transient: the edit stays queued, in order.
    static func isRefusal(_ error: MinimoError) -> Bool {
        switch error.kind {
        case .unauthorized, .forbidden, .notFound, .badRequest, .validation, .invalidPhoneNumber, .conflict: true
        default: false
        }
    }

    struct Conflict {
        var message: String
        var values: [String: JSONValue]
    }

    private func checkConflict(_ entry: OutboxEntry, report: inout OutboxReport) async throws -> Conflict? {
        guard entry.kind == .update, let base = entry.base, !base.isEmpty, let email = entry.email else { return nil }
        report.conflictChecks += 1
        guard let current = try await store.fetch(email: email, priority: .interactive) else {
            // Deleted when the edit was made (it restores the contact): the 404 is expected.
            if base["deleted"] == .bool(true) { return nil }
            return Conflict(message: "the contact is no longer on the server under \(email)", values: [:])
        }
        // A field the server already holds as this edit sets it is no conflict: most often it is
        // this very edit, applied by an earlier attempt whose answer was lost (a timeout, a
        // dropped connection, a crash before the answer was recorded).
        let edited = try? Contact(json: .object(LocalEdit.apply(ContactUpdate(json: entry.body), to: current.fields)))
        var changed: [String: JSONValue] = [:]
        for (path, before) in base {
            let now = LocalEdit.value(of: current, at: path)
            guard now != before, edited.map({ LocalEdit.value(of: $0, at: path) }) != now else { continue }
            changed[path] = now
        }
        guard !changed.isEmpty else { return nil }
        return Conflict(
            message: "changed on the server since the edit began: \(changed.keys.sorted().joined(separator: ", "))",
            values: changed)
    }

    private func send(_ entry: OutboxEntry) async throws -> SentAnswer {
        let client = store.client
        switch entry.kind {
        case .update:
            guard let id = entry.contactID else { throw MinimoError(.badRequest, message: "an update without a contact id") }
            let response = try await client.updateContact(
                id: id, ContactUpdate(json: entry.body), idempotencyKey: entry.idempotencyKey)
            // The server applied it: a failure to refresh the cached copy (which already shows
            // the edit) must not turn the edit into a failure.
            if let contact = response.value { try? await store.store([contact], fetchedAt: store.clock.now()) }
            return SentAnswer(status: response.status, body: response.body, contactID: id, contact: response.value)
        case .upsert:
            guard let upsert = ContactUpsert(json: entry.body) else {
                throw MinimoError(.badRequest, message: "an upsert without an email")
            }
            let response = try await client.upsertContact(upsert, idempotencyKey: entry.idempotencyKey)
            // The answer carries only the id: make any cached copy stale so it is read again.
            try? await store.database.write { db in
                try db.execute(
                    sql: "UPDATE contact SET fetchedAt = 0 WHERE emailKey = ?", arguments: [ContactStore.emailKey(upsert.email)])
                try db.execute(sql: "DELETE FROM missing_email WHERE emailKey = ?", arguments: [ContactStore.emailKey(upsert.email)])
            }
            return SentAnswer(
                status: response.status, body: response.body, contactID: response.value.contactID, created: response.value.created)
        case .delete:
            guard let id = entry.contactID else { throw MinimoError(.badRequest, message: "a delete without a contact id") }
            do {
                let response = try await client.deleteContact(id: id, idempotencyKey: entry.idempotencyKey)
                return SentAnswer(status: response.status, body: response.body, contactID: id)
            } catch let error as MinimoError where error.kind == .notFound {
                // Already gone: the goal of the edit holds.
                return SentAnswer(status: 404, body: Data(), contactID: id)
            }
        }
    }
}
