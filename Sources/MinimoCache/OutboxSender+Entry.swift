import Foundation
import GRDB
import MinimoKit

/// One claimed entry: its conflict check, its request, and what its answer does to the cache.
extension OutboxSender {
    /// Checks and sends one claimed entry; returns its outcome and the conflict checks spent.
    func process(_ entry: OutboxEntry, priority: RequestPriority, claimedAt: Date) async -> (Outcome, Int) {
        var checks = 0
        do {
            // A wave held back long by the quota: renew the lease before this entry's request.
            if store.clock.now().timeIntervalSince(claimedAt) > store.claimLease / 3, try await !store.renewClaim(entry.seq) {
                return (.lostClaim, checks)
            }
            if let conflict = try await checkConflict(entry, priority: priority, checks: &checks) {
                return (.conflict(conflict), checks)
            }
            // The check may have waited for the quota: renew the lease, and make sure the entry
            // is still ours, before the write.
            if checks > 0, try await !store.renewClaim(entry.seq) { return (.lostClaim, checks) }
            let (answer, effect) = try await send(entry, priority: priority)
            return (.sent(answer, effect), checks)
        } catch let error as MinimoError where Self.isRefusal(error) {
            return (.refused(error), checks)
        } catch let error as MinimoError {
            return (.transient(error), checks)
        } catch is CancellationError {
            return (.cancelled, checks)
        } catch {
            return (.cacheFailure(CacheError.sentence(for: error)), checks)
        }
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

    struct Conflict: Sendable {
        var message: String
        var values: [String: JSONValue]
    }

    func checkConflict(_ entry: OutboxEntry, priority: RequestPriority, checks: inout Int) async throws -> Conflict? {
        guard entry.kind == .update, let base = entry.base, !base.isEmpty, let email = entry.email else { return nil }
        checks += 1
        guard let current = try await store.fetch(email: email, priority: priority) else {
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

    /// Sends one entry; returns the answer and what it changes in the cache (applied when the
    /// wave is settled: the server applied it, so a failure to refresh the cached copy, which
    /// already shows the edit, must not turn the edit into a failure).
    func send(_ entry: OutboxEntry, priority: RequestPriority) async throws -> (SentAnswer, CacheEffect?) {
        let client = store.client
        switch entry.kind {
        case .update:
            guard let id = entry.contactID else { throw MinimoError(.badRequest, message: "an update without a contact id") }
            let response = try await client.updateContact(
                id: id, ContactUpdate(json: entry.body), idempotencyKey: entry.idempotencyKey, priority: priority)
            return (
                SentAnswer(status: response.status, body: response.body, contactID: id, contact: response.value),
                response.value.map(CacheEffect.store)
            )
        case .upsert:
            guard let upsert = ContactUpsert(json: entry.body) else {
                throw MinimoError(.badRequest, message: "an upsert without an email")
            }
            let response = try await client.upsertContact(upsert, idempotencyKey: entry.idempotencyKey, priority: priority)
            // The answer carries only the id: make any cached copy stale so it is read again.
            return (
                SentAnswer(
                    status: response.status, body: response.body, contactID: response.value.contactID, created: response.value.created),
                .staleEmail(upsert.email)
            )
        case .delete:
            guard let id = entry.contactID else { throw MinimoError(.badRequest, message: "a delete without a contact id") }
            do {
                let response = try await client.deleteContact(id: id, idempotencyKey: entry.idempotencyKey, priority: priority)
                return (SentAnswer(status: response.status, body: response.body, contactID: id), nil)
            } catch let error as MinimoError where error.kind == .notFound {
                // Already gone: the goal of the edit holds.
                return (SentAnswer(status: 404, body: Data(), contactID: id), nil)
            }
        }
    }
}

extension OutboxSender.Outcome {
    /// The drain stops after this wave.
    var stopsTheDrain: Bool {
        switch self {
        case .transient, .cancelled, .cacheFailure: true
        default: false
        }
    }

    /// Left in the queue (counted as deferred when the drain stops).
    var leftQueued: Bool {
        switch self {
        case .transient, .cancelled, .cacheFailure, .notTried: true
        default: false
        }
    }

    func settled(_ seq: Int64) -> OutboxSettled? {
        switch self {
        case .sent(let answer, _): OutboxSettled(seq: seq, state: .done, answer: answer)
        case .conflict: OutboxSettled(seq: seq, state: .conflict, answer: nil)
        case .refused: OutboxSettled(seq: seq, state: .failed, answer: nil)
        case .transient, .cancelled, .cacheFailure: OutboxSettled(seq: seq, state: .pending, answer: nil)
        case .lostClaim, .notTried: nil
        }
    }
}

/// A change to the cached copy that a sent entry brings, applied in the transaction that
/// settles it.
enum CacheEffect: Sendable {
    /// The contact as the server answered it.
    case store(Contact)
    /// An upsert's answer holds only the id: the copy under this email is made stale (and a
    /// remembered 404 forgotten), so it is read again.
    case staleEmail(String)
}
