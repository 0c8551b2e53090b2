import Foundation
import GRDB
import MinimoKit

/// Progress of an import's run, reported as each row's answer arrives.
public struct ImportProgress: Sendable, Hashable {
    /// Rows this run has sent (answered: applied or refused).
    public var sent: Int
    /// Rows this run sends in all.
    public var total: Int
    /// Of `sent`, refused by the server.
    public var refused: Int
}

/// What an import did, row by row, adding up to the file's row count: created (201), updated
/// (200), unchanged (not sent), rejected (by validation, or refused by the server), and rows
/// still queued when the run stopped. Rows applied by an earlier, interrupted run of the same
/// file count as created or updated, from the answers its outbox entries keep.
public struct ImportReport: Sendable, Hashable {
    public var rows = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0
    /// Of `rejected`: refused by the server (with its reason, by line).
    public var refusedByServer: [Int: String] = [:]
    /// Not sent yet (the run stopped): a run of the same command sends them.
    public var stillQueued = 0
    /// Of `created + updated`: applied by an earlier run of the same file.
    public var appliedEarlier = 0
    /// Upserts this run sent (each one request, plus any retry the client made).
    public var sentNow = 0
    /// Why the run stopped early (network, the server, the cache, "cancelled"), if it did.
    public var stoppedBy: String?
    public var stoppedByNetwork = false
    public var stoppedByCache = false
}

extension ContactStore {
    /// Runs a plan: queues its rows in the outbox at background priority, under their
    /// idempotency keys and the plan's batch (10,000 rows in 10 transactions), then drains
    /// that batch, `concurrency` requests at a time, each paced by the quota gate (which keeps
    /// the interactive reserve for other processes' lookups and saves). Another live process's
    /// drains leave these entries to this one; if this process dies, they take them over.
    ///
    /// Stopped (its task cancelled: Ctrl-C), it releases what it holds; the entries stay
    /// queued and a run of the same file sends them. Killed, the next run (or any drain) takes
    /// its claims over and sends them again under the same keys: the server replays instead of
    /// applying twice.
    public func runImport(
        _ plan: ImportPlan, concurrency: Int = 4, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        _ = try await queueBatch(plan.writes, priority: .background, batch: plan.batch)
        let total = plan.requests
        let counter = ImportCounter()
        var stoppedBy: String?
        var network = false
        var cache = false
        var idleRounds = 0
        while !Task.isCancelled {
            let report = await sendOutbox(
                OutboxDrainOptions(batch: plan.batch, concurrency: concurrency) { settled in
                    guard settled.state != .pending else { return }
                    progress(counter.note(refused: settled.state != .done, total: total))
                })
            if let stop = report.stoppedBy {
                (stoppedBy, network, cache) = (stop, report.stoppedByNetwork, report.stoppedByCache)
                break
            }
            if Task.isCancelled { break }
            let counts = try await outboxBatchCounts(plan.batch)
            let unsent = (counts[.pending] ?? 0) + (counts[.sending] ?? 0)
            guard unsent > 0 else { break }
            // Left: rows held by another process (a drain that pulled them in ahead of its own
            // interactive edit of the same contact), or behind one. Wait for them, not forever.
            if report.sent == 0 && report.failed == 0 {
                idleRounds += 1
                if idleRounds > 600 {
                    stoppedBy = "\(unsent) row(s) are being sent by other minimo processes"
                    cache = true
                    break
                }
                try? await Task.sleep(nanoseconds: 250_000_000)  // ok: waiting for another process's send
            } else {
                idleRounds = 0
            }
        }
        if Task.isCancelled, stoppedBy == nil { stoppedBy = "cancelled" }
        // Read in a task of its own: a stopped import still reports what it did (the cache
        // refuses work to a cancelled task).
        var report = try await Task { try await self.importReport(plan) }.value
        report.sentNow = counter.sent
        report.stoppedBy = stoppedBy
        report.stoppedByNetwork = network
        report.stoppedByCache = cache
        return report
    }

    /// The report of `plan` as the outbox now has it: each row to send is counted by its
    /// entry's state and answer (done: 201 created, else updated; failed: rejected; else still
    /// queued), the others by the plan.
    public func importReport(_ plan: ImportPlan) async throws -> ImportReport {
        let states = try await outboxStates(idempotencyKeys: plan.rows.compactMap { $0.action.sends ? $0.idempotencyKey : nil })
        var report = ImportReport()
        report.rows = plan.rows.count
        for row in plan.rows {
            switch row.action {
            case .unchanged: report.unchanged += 1
            case .rejected: report.rejected += 1
            case .refusedEarlier(let reason):
                report.rejected += 1
                report.refusedByServer[row.record.line] = reason
            case .appliedEarlier(let created):
                if created { report.created += 1 } else { report.updated += 1 }
                report.appliedEarlier += 1
            case .create, .update, .updateByPhone, .stale, .unknown, .queuedEarlier:
                guard let key = row.idempotencyKey, let state = states[key] else {
                    report.stillQueued += 1
                    continue
                }
                switch state.state {
                case .done:
                    if state.answerStatus == 201 { report.created += 1 } else { report.updated += 1 }
                case .failed, .conflict:
                    report.rejected += 1
                    report.refusedByServer[row.record.line] = Self.refusal(state)
                case .pending, .sending:
                    report.stillQueued += 1
                }
            }
        }
        return report
    }
}

/// Counts answers across the drain's sending tasks.
private final class ImportCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private var refused = 0

    var sent: Int { lock.withLock { done } }

    func note(refused wasRefused: Bool, total: Int) -> ImportProgress {
        lock.withLock {
            done += 1
            if wasRefused { refused += 1 }
            return ImportProgress(sent: done, total: total, refused: refused)
        }
    }
}
