import Foundation
import GRDB
import MinimoKit

/// What one drain of the outbox did.
public struct OutboxReport: Sendable, Hashable {
    public var sent = 0
    public var failed = 0
    public var conflicts = 0
    /// Entries left for later because of a transient failure (network, 5xx, 429).
    public var deferred = 0
    /// The transient failure that stopped the drain, if any.
    public var stoppedBy: String?
    /// The drain stopped because the server could not be reached (the UI shows "offline").
    public var stoppedByNetwork = false
    /// Requests spent on conflict checks.
    public var conflictChecks = 0
    /// What the server answered to each entry sent, by outbox sequence number.
    public var answers: [Int64: SentAnswer] = [:]
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
/// Each entry is marked `sending` (durably) before its request, and keeps its idempotency key
/// for every attempt: after a crash the entry is sent again with the same key and the server
/// replays the first answer instead of applying it twice.
///
/// Conflict check: an update that recorded base values first reads the contact from the API
/// (one GET by email per update — the request cost of the check) and compares the server's
/// current values of the touched fields with the base; if any differ the entry is held as a
/// `conflict`, with both values, and not sent.
///
/// A refusal by the server (422, 400, 404, 409, 403, 401) marks the entry `failed` with the error
/// and the drain goes on; a transient failure (network, 5xx, 429, unreadable answer) stops the
/// drain, leaving that entry and the rest queued, so order is kept.
struct OutboxSender {
    let store: ContactStore

    func drain() async -> OutboxReport {
        var report = OutboxReport()
        let entries: [OutboxEntry]
        do {
            entries = try await store.outbox(states: [.pending, .sending])
        } catch {
            report.stoppedBy = "cannot read the outbox: \(error)"
            return report
        }
        for (index, entry) in entries.enumerated() {
            do {
                try await store.setState(entry.seq, .sending, allowedFrom: [.pending, .sending], countAttempt: true)
                if let conflict = try await checkConflict(entry, report: &report) {
                    try await store.setState(
                        entry.seq, .conflict, allowedFrom: [.sending], error: conflict.message, serverValues: conflict.values)
                    report.conflicts += 1
                    continue
                }
                report.answers[entry.seq] = try await send(entry)
                try await store.setState(entry.seq, .done, allowedFrom: [.sending])
                report.sent += 1
            } catch let error as MinimoError where Self.isTransient(error) {
                try? await store.setState(entry.seq, .pending, allowedFrom: [.sending], error: error.message, status: error.status)
                report.deferred = entries.count - index
                report.stoppedBy = error.description
                report.stoppedByNetwork = error.kind == .network
                break
            } catch let error as MinimoError {
                try? await store.setState(entry.seq, .failed, allowedFrom: [.sending], error: error.message, status: error.status)
                report.failed += 1
            } catch is CancellationError {
                try? await store.setState(entry.seq, .pending, allowedFrom: [.sending])
                report.deferred = entries.count - index
                report.stoppedBy = "cancelled"
                break
            } catch {
                try? await store.setState(entry.seq, .failed, allowedFrom: [.sending], error: String(describing: error))
                report.failed += 1
            }
        }
        await store.persistExchanges()
        return report
    }

    static func isTransient(_ error: MinimoError) -> Bool {
        switch error.kind {
        case .network, .server, .rateLimited, .decoding: true
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
            if let contact = response.value { try await store.store([contact], fetchedAt: store.clock.now()) }
            return SentAnswer(status: response.status, body: response.body, contactID: id, contact: response.value)
        case .upsert:
            guard let upsert = ContactUpsert(json: entry.body) else {
                throw MinimoError(.badRequest, message: "an upsert without an email")
            }
            let response = try await client.upsertContact(upsert, idempotencyKey: entry.idempotencyKey)
            // The answer carries only the id: make any cached copy stale so it is read again.
            try await store.database.pool.write { db in
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
