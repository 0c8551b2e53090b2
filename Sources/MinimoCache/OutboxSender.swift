import Foundation
import GRDB
import MinimoKit

/// Drains the outbox.
///
/// **Order.** Interactive entries go before background ones (an import's 10,000 rows never make
/// a save in the TUI wait), each kind in queue order, and one contact's edits always in the
/// order they were made: an entry is preceded by every earlier unsent entry of the same contact
/// (same id or same email), whatever their priority or batch. Such an earlier entry, pulled in
/// by an interactive one, is sent at interactive priority too (priority inheritance: it is now
/// in the way of the person at the keyboard).
///
/// **Whose entries.** Background entries queued by another live process (pid alive) are left to
/// it: an import sends its own rows, paced by the quota, and other processes' drains neither
/// spend their time on them nor wait behind them (`leftToQueuers`). Unless one of them stands
/// before an interactive edit of the same contact: then it is sent first, as above. Entries of
/// processes that have died are taken over, as any entry is. A drain can be limited to one
/// batch (`OutboxDrainOptions.batch`).
///
/// **Claims.** Each entry is claimed before its request (see `OutboxClaim`): marked `sending`,
/// durably, with this process's pid, the store's token and a lease, in one conditional UPDATE
/// that only one process can win. Entries another live process holds are skipped, and so are
/// the later edits of the same contact. An entry whose claimant died, or whose lease ran out,
/// is taken over. Every later change of the entry is conditioned on still holding the claim.
/// Each entry keeps its idempotency key for every attempt, by any process: after a crash the
/// entry is sent again with the same key and the server replays the first answer instead of
/// applying it twice. Entries are claimed and settled in waves (`waveSize`, one transaction
/// each); a wave never holds two entries of one contact, and with a concurrency above 1 its
/// requests go several at once, each at its own priority through the quota gate.
///
/// **Conflict check.** An update that recorded base values first reads the contact from the API
/// (one GET by email per update, at the entry's priority: the request cost of the check) and
/// compares the server's current values of the touched fields with the base; if any differ the
/// entry is held as a `conflict`, with both values, and not sent.
///
/// A refusal by the server (422, 400, 404, 409, 403, 401) marks the entry `failed` with the error
/// and the drain goes on; a transient failure (network, 5xx, 429, unreadable answer) stops the
/// drain after the current wave, leaving that entry and the rest queued, so order is kept. So
/// does a failure of the cache itself: it is no refusal by the server, and the edit must not be
/// marked as one.
struct OutboxSender: Sendable {
    let store: ContactStore
    var options = OutboxDrainOptions()

    /// An unsent entry as the drain orders it: no body, no decoding.
    struct Queued: Sendable {
        var seq: Int64
        var contactID: String?
        var emailKey: String?
        var priority: RequestPriority
        var batch: String?
        var queuedByPid: Int32?

        /// The contact it concerns, as keys: by id and by email (an upsert has only its email).
        var targets: [String] {
            var targets: [String] = []
            if let contactID { targets.append("id:" + contactID) }
            if let emailKey { targets.append("email:" + emailKey) }
            return targets
        }
    }

    /// One entry to try, and the priority to send it at.
    struct Step: Sendable {
        var entry: Queued
        var priority: RequestPriority
    }

    /// The contacts whose next edits must wait, because another process holds an earlier one.
    private struct HeldTargets {
        private var blockers: [String: Int64] = [:]

        mutating func hold(_ entry: Queued) {
            for target in entry.targets where blockers[target] == nil { blockers[target] = entry.seq }
        }

        func blocker(of entry: Queued) -> Int64? {
            entry.targets.lazy.compactMap { blockers[$0] }.first
        }
    }

    /// What became of one claimed entry.
    enum Outcome: Sendable {
        case sent(SentAnswer, CacheEffect?)
        case conflict(Conflict)
        case refused(MinimoError)
        case transient(MinimoError)
        case cancelled
        case cacheFailure(String)
        /// The claim was lost before the write (taken over after the lease ran out): not sent.
        case lostClaim
        /// Not started: the wave stopped first.
        case notTried
    }

    func drain() async -> OutboxReport {
        var report = OutboxReport()
        let plan: [Step]
        do {
            plan = try await order(report: &report)
        } catch {
            report.stoppedBy = "cannot read the outbox: \(CacheError.sentence(for: error))"
            report.stoppedByCache = true
            return report
        }
        var held = HeldTargets()
        var index = 0
        drainLoop: while index < plan.count {
            var wave: [Step] = []
            var targets: Set<String> = []
            while index < plan.count, wave.count < options.waveSize {
                let step = plan[index]
                if let blocker = held.blocker(of: step.entry) {
                    report.waitingBehind[step.entry.seq] = blocker
                    held.hold(step.entry)
                    index += 1
                    continue
                }
                // One contact's next edit goes in the next wave, after this one's answer.
                if !targets.isDisjoint(with: step.entry.targets) { break }
                targets.formUnion(step.entry.targets)
                wave.append(step)
                index += 1
            }
            guard !wave.isEmpty else { continue }
            let attempts: [Int64: ClaimAttempt]
            do {
                attempts = try await store.claimOutboxEntries(wave.map(\.entry.seq))
            } catch {
                stop(&report, cache: error, doing: "cannot claim outbox entry \(wave[0].entry.seq)", left: plan.count - index + wave.count)
                break
            }
            var claimed: [(OutboxEntry, RequestPriority)] = []
            for step in wave {
                switch attempts[step.entry.seq] {
                case .claimed(let entry, let previous)?:
                    claimed.append((entry, step.priority))
                    if previous != nil { report.takenOver += 1 }
                case .heldElsewhere(let claim)?:
                    report.heldElsewhere[step.entry.seq] = claim
                    held.hold(step.entry)
                case .settled?, nil:
                    continue
                }
            }
            guard !claimed.isEmpty else { continue }
            let outcomes = await sendWave(claimed, claimedAt: store.clock.now(), report: &report)
            if !(await settle(outcomes, report: &report)) || report.stoppedBy != nil {
                report.deferred = outcomes.filter { $0.outcome.leftQueued }.count + (plan.count - index)
                break drainLoop
            }
        }
        await store.persistExchanges()
        return report
    }

    /// The drain's order (see the type's documentation), from the unsent entries' ids, targets,
    /// priorities and queuers only: one read, no JSON decoded.
    private func order(report: inout OutboxReport) async throws -> [Step] {
        let rows = try await store.database.read { db in
            try Row.fetchAll(
                db,
                SQLRequest(literal: """
                    SELECT seq, contactID, email, priority, batch, queuedByPid FROM outbox
                    WHERE state IN \(OutboxEntry.State.unsent) ORDER BY seq
                    """)
            ).map { row in
                Queued(
                    seq: row["seq"], contactID: row["contactID"], emailKey: (row["email"] as String?).map(ContactStore.emailKey),
                    priority: RequestPriority(outboxName: row["priority"]), batch: row["batch"], queuedByPid: row["queuedByPid"])
            }
        }
        let me = getpid()
        var alive: [Int32: Bool] = [:]
        func leftToQueuer(_ entry: Queued) -> Bool {
            guard entry.priority == .background, let pid = entry.queuedByPid, pid != me else { return false }
            if let known = alive[pid] { return known }
            let living = OutboxClaim.isAlive(pid)
            alive[pid] = living
            return living
        }
        let batch = options.batch
        func inScope(_ entry: Queued) -> Bool { batch == nil || entry.batch == batch }
        var byTarget: [String: [Int]] = [:]
        for (index, entry) in rows.enumerated() {
            for target in entry.targets { byTarget[target, default: []].append(index) }
        }
        var emitted = [Bool](repeating: false, count: rows.count)
        var cursor: [String: Int] = [:]
        var plan: [Step] = []
        // Emits entry `index` after every earlier unsent entry of the same contact.
        func emit(_ index: Int, at priority: RequestPriority) {
            for target in rows[index].targets {
                while true {
                    let position = cursor[target, default: 0]
                    guard let list = byTarget[target], position < list.count, list[position] < index else { break }
                    cursor[target] = position + 1
                    let earlier = list[position]
                    if !emitted[earlier] {
                        emit(earlier, at: priority == .interactive ? .interactive : rows[earlier].priority)
                    }
                }
            }
            emitted[index] = true
            plan.append(Step(entry: rows[index], priority: priority))
        }
        let passes: [RequestPriority] = options.interactiveOnly ? [.interactive] : [.interactive, .background]
        for pass in passes {
            for (index, entry) in rows.enumerated() where !emitted[index] && entry.priority == pass {
                guard inScope(entry), !leftToQueuer(entry) else { continue }
                emit(index, at: entry.priority)
            }
        }
        report.leftToQueuers = rows.indices.filter { !emitted[$0] && inScope(rows[$0]) && leftToQueuer(rows[$0]) }.count
        if let most = options.maxEntries, plan.count > most { return Array(plan.prefix(max(0, most))) }
        return plan
    }

    /// Sends the claimed entries of one wave, `concurrency` at a time; stops starting new ones
    /// once one meets a transient failure (the rest are `notTried`).
    private func sendWave(_ claimed: [(OutboxEntry, RequestPriority)], claimedAt: Date, report: inout OutboxReport) async
        -> [(entry: OutboxEntry, outcome: Outcome)]
    {
        let limit = options.concurrency
        let progress = options.progress
        let results = await withTaskGroup(of: (Int, Outcome, Int).self) { group -> [(Int, Outcome, Int)] in
            var next = 0
            var results: [(Int, Outcome, Int)] = []
            var stopping = false
            func start() {
                let position = next
                let (entry, priority) = claimed[position]
                next += 1
                group.addTask {
                    let (outcome, checks) = await process(entry, priority: priority, claimedAt: claimedAt)
                    if let progress, let settled = outcome.settled(entry.seq) { progress(settled) }
                    return (position, outcome, checks)
                }
            }
            while next < min(limit, claimed.count) { start() }
            for await result in group {
                results.append(result)
                if result.1.stopsTheDrain { stopping = true }
                if !stopping, next < claimed.count { start() }
            }
            while next < claimed.count {
                results.append((next, .notTried, 0))
                next += 1
            }
            return results.sorted { $0.0 < $1.0 }
        }
        report.conflictChecks += results.reduce(0) { $0 + $1.2 }
        return results.map { (claimed[$0.0].0, $0.1) }
    }

    /// Records the wave's outcomes in one transaction (run in a task of its own, so that a
    /// cancelled drain still releases what it claimed) and in the report. False when the cache
    /// failed: the drain stops.
    private func settle(_ outcomes: [(entry: OutboxEntry, outcome: Outcome)], report: inout OutboxReport) async -> Bool {
        var settlements: [ClaimSettlement] = []
        for (entry, outcome) in outcomes {
            switch outcome {
            case .sent(let answer, let effect):
                settlements.append(ClaimSettlement(seq: entry.seq, state: .done, answer: answer, effect: effect))
                report.answers[entry.seq] = answer
                report.sent += 1
            case .conflict(let conflict):
                settlements.append(
                    ClaimSettlement(seq: entry.seq, state: .conflict, error: conflict.message, serverValues: conflict.values))
                report.conflicts += 1
            case .refused(let error):
                settlements.append(ClaimSettlement(seq: entry.seq, state: .failed, error: error.message, status: error.status))
                report.failed += 1
            case .transient(let error):
                settlements.append(ClaimSettlement(seq: entry.seq, state: .pending, error: error.message, status: error.status))
                if report.stoppedBy == nil {
                    report.stoppedBy = error.description
                    report.stoppedByNetwork = error.kind == .network
                }
            case .cancelled:
                settlements.append(ClaimSettlement(seq: entry.seq, state: .pending))
                if report.stoppedBy == nil { report.stoppedBy = "cancelled" }
            case .cacheFailure(let sentence):
                // The entry may even have been sent: then whoever sends it next gets the
                // server's replay. Release it, and stop.
                settlements.append(ClaimSettlement(seq: entry.seq, state: .pending, error: sentence))
                if report.stoppedBy == nil {
                    report.stoppedBy = "outbox entry \(entry.seq): \(sentence)"
                    report.stoppedByCache = true
                }
            case .lostClaim:
                report.lostClaims += 1
            case .notTried:
                settlements.append(ClaimSettlement(seq: entry.seq, state: .pending))
            }
        }
        guard !settlements.isEmpty else { return true }
        let store = self.store
        let list = settlements
        let result = await Task { () -> Result<Set<Int64>, any Error> in
            do { return .success(try await store.settleClaims(list)) } catch { return .failure(error) }
        }.value
        switch result {
        case .success(let settled):
            report.lostClaims += settlements.filter { $0.state == .done && !settled.contains($0.seq) }.count
            return true
        case .failure(let error):
            // Release what can be released, one by one, and stop.
            for settlement in settlements {
                _ = await Task { try? await store.settleClaim(settlement.seq, as: .pending, error: CacheError.sentence(for: error)) }.value
            }
            stop(&report, cache: error, doing: "cannot record the answers of outbox entries \(settlements.map { String($0.seq) }.joined(separator: ", "))", left: 0)
            return false
        }
    }

    private func stop(_ report: inout OutboxReport, cache error: any Error, doing action: String, left: Int) {
        report.deferred = left
        report.stoppedBy = "\(action): \(CacheError.sentence(for: error))"
        report.stoppedByCache = true
    }
}
