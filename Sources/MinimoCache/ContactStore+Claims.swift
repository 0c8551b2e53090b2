import Foundation
import GRDB
import MinimoKit

/// What a drain's attempt to claim one outbox entry found.
enum ClaimAttempt: Sendable {
    /// This store now holds the entry (fresh from the database); `tookOverFrom` is the dead or
    /// expired claim it replaced, if any.
    case claimed(OutboxEntry, tookOverFrom: OutboxClaim?)
    /// Another live process holds it and its lease has not run out: leave it alone.
    case heldElsewhere(OutboxClaim)
    /// Settled meanwhile (done, refused, held as a conflict) or dropped: nothing to send.
    case settled
}

extension ContactStore {
    /// Claims entry `seq` for this store: pending → sending with this process's pid, this
    /// store's token and a fresh lease, in one conditional UPDATE; or, for an entry left in
    /// `sending` by a claimant that has died (or whose lease has run out, or that was this store
    /// itself), a compare-and-swap UPDATE conditioned on the old pid, token and lease. Counts an
    /// attempt. The row is read and updated in one IMMEDIATE transaction, and each UPDATE is
    /// conditioned on what was read, so two processes can never both claim one entry.
    func claimOutboxEntry(_ seq: Int64) async throws -> ClaimAttempt {
        try await claimOutboxEntries([seq])[seq] ?? .settled
    }

    /// Claims several entries in one transaction (one commit: bulk work claims a wave at once),
    /// each as `claimOutboxEntry` does.
    func claimOutboxEntries(_ seqs: [Int64]) async throws -> [Int64: ClaimAttempt] {
        let now = clock.now()
        let until = now.addingTimeInterval(claimLease).timeIntervalSince1970
        let pid = getpid()
        let token = claimToken
        return try await database.write { db in
            var attempts: [Int64: ClaimAttempt] = [:]
            for seq in seqs {
                attempts[seq] = try Self.claim(seq, pid: pid, token: token, until: until, now: now, in: db)
            }
            return attempts
        }
    }

    private static func claim(_ seq: Int64, pid: Int32, token: String, until: Double, now: Date, in db: Database) throws
        -> ClaimAttempt
    {
        guard let entry = try Self.entry(seq, in: db) else { return .settled }
        let set = """
            UPDATE outbox SET state = :sending, claimPid = :pid, claimToken = :token, claimUntil = :until,
                attempts = attempts + 1, updatedAt = :now
            """
        var arguments: StatementArguments = [
            "seq": seq, "pid": pid, "token": token, "until": until, "now": now.timeIntervalSince1970,
            "sending": OutboxEntry.State.sending, "pending": OutboxEntry.State.pending,
        ]
        var previous: OutboxClaim?
        switch entry.state {
        case .pending:
            // Cached: bulk work claims thousands of entries, and compiling each statement anew
            // cost more than running it.
            try db.cachedStatement(sql: set + " WHERE seq = :seq AND state = :pending").execute(arguments: arguments)
        case .sending:
            if let claim = entry.claim, claim.token != token, claim.processIsAlive, !claim.hasExpired(at: now) {
                return .heldElsewhere(claim)
            }
            previous = entry.claim
            arguments += [
                "oldPid": entry.claim?.pid, "oldToken": entry.claim?.token,
                "oldUntil": entry.claim?.until?.timeIntervalSince1970,
            ]
            try db.execute(
                sql: set + """
                     WHERE seq = :seq AND state = :sending
                        AND claimPid IS :oldPid AND claimToken IS :oldToken AND claimUntil IS :oldUntil
                    """,
                arguments: arguments)
        case .done, .failed, .conflict:
            return .settled
        }
        guard db.changesCount == 1 else {
            // Unreachable inside this transaction; if it ever happens, someone else won.
            return try Self.entry(seq, in: db)?.claim.map(ClaimAttempt.heldElsewhere) ?? .settled
        }
        // The row as the UPDATE left it, without reading it again.
        var claimed = entry
        claimed.state = .sending
        claimed.claim = OutboxClaim(pid: pid, token: token, until: Date(timeIntervalSince1970: until))
        claimed.attempts += 1
        claimed.updatedAt = now
        return .claimed(claimed, tookOverFrom: previous)
    }

    /// Extends this store's lease on `seq` before another request for it. False when the claim
    /// is no longer ours (taken over after the lease ran out, retried or dropped meanwhile):
    /// the caller must then not send.
    func renewClaim(_ seq: Int64) async throws -> Bool {
        let now = clock.now()
        let until = now.addingTimeInterval(claimLease).timeIntervalSince1970
        let token = claimToken
        return try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET claimUntil = ?, updatedAt = ?
                    WHERE seq = ? AND state = ? AND claimToken = ?
                    """, arguments: [until, now.timeIntervalSince1970, seq, OutboxEntry.State.sending, token])
            return db.changesCount == 1
        }
    }

    /// Moves an entry this store holds out of `sending`: to `pending` (the claim is released, so
    /// any process may send it next), or to `done`, `failed` or `conflict` (the claim's pid and
    /// token stay, as a record of who settled it; the lease goes). `answer` is stored for
    /// `done`. Conditioned on still holding the claim: false, and nothing written, when another
    /// process took the entry over (or it was retried or dropped) meanwhile.
    @discardableResult
    func settleClaim(
        _ seq: Int64, as state: OutboxEntry.State, error: String? = nil, status: Int? = nil,
        serverValues: [String: JSONValue]? = nil, answer: SentAnswer? = nil
    ) async throws -> Bool {
        let settlement = ClaimSettlement(seq: seq, state: state, error: error, status: status, serverValues: serverValues, answer: answer)
        let now = clock.now().timeIntervalSince1970
        let token = claimToken
        return try await database.write { db in try Self.settle(settlement, token: token, now: now, in: db) }
    }
}

/// How one claimed entry leaves `sending`, for `settleClaims`.
struct ClaimSettlement: Sendable {
    var seq: Int64
    var state: OutboxEntry.State
    var error: String? = nil
    var status: Int? = nil
    var serverValues: [String: JSONValue]? = nil
    var answer: SentAnswer? = nil
    /// Applied to the cache in the same transaction, before the entry is settled.
    var effect: CacheEffect? = nil
}

extension ContactStore {
    /// Settles a wave of entries this store holds in one transaction (one commit), each as
    /// `settleClaim` does, after applying their cache effects (a failure of which never turns
    /// an applied edit into a failure). Returns the entries settled; the others had been taken
    /// over (or retried or dropped) meanwhile.
    func settleClaims(_ settlements: [ClaimSettlement]) async throws -> Set<Int64> {
        let now = clock.now()
        let token = claimToken
        return try await database.write { db in
            var settled: Set<Int64> = []
            for settlement in settlements {
                switch settlement.effect {
                case .store(let contact)?:
                    try? Self.store([contact], fetchedAt: now, in: db)
                case .staleEmail(let email)?:
                    let key = Self.emailKey(email)
                    try? db.cachedStatement(sql: "UPDATE contact SET fetchedAt = 0 WHERE emailKey = ?").execute(arguments: [key])
                    try? db.cachedStatement(sql: "DELETE FROM missing_email WHERE emailKey = ?").execute(arguments: [key])
                case nil:
                    break
                }
                if try Self.settle(settlement, token: token, now: now.timeIntervalSince1970, in: db) { settled.insert(settlement.seq) }
            }
            return settled
        }
    }

    static func settle(_ settlement: ClaimSettlement, token: String, now: Double, in db: Database) throws -> Bool {
        precondition(settlement.state != .sending, "settling a claim leaves `sending`")
        let release = settlement.state == .pending ? "claimPid = NULL, claimToken = NULL," : ""
        let answer = settlement.answer
        try db.cachedStatement(
            sql: """
                UPDATE outbox SET state = :state, lastError = :error, lastStatus = :status, serverValues = :serverValues,
                    answerStatus = :answerStatus, answerBody = :answerBody, contactID = COALESCE(contactID, :contactID),
                    \(release) claimUntil = NULL, updatedAt = :now
                WHERE seq = :seq AND state = :sending AND claimToken = :token
                """
        ).execute(
            arguments: [
                "state": settlement.state, "sending": OutboxEntry.State.sending, "error": settlement.error, "status": settlement.status ?? answer?.status,
                "serverValues": settlement.serverValues.map { JSONValue.object($0).serialized() },
                "answerStatus": answer?.status, "answerBody": answer?.body, "contactID": answer?.contactID?.rawValue,
                "now": now, "seq": settlement.seq, "token": token,
            ])
        return db.changesCount == 1
    }
}

/// What became of one outbox entry, for the command that queued it.
public enum OutboxOutcome: Sendable {
    /// This process sent it; the server's answer.
    case sent(SentAnswer)
    /// Another minimo process (pid, when known) sent it; the answer it stored.
    case sentByOtherProcess(SentAnswer, pid: Int32?)
    /// Held, not sent: the server's values changed since the edit began.
    case conflict(OutboxEntry)
    /// The server refused it (validation, 404...).
    case refused(OutboxEntry)
    /// Still queued after a transient failure (network, 5xx, 429, an unreadable answer), or
    /// behind another process that is slow to finish: `cause` names it. `local` when the cause
    /// is on this machine (the cache could not be written, other processes) rather than the
    /// network or the server.
    case deferred(OutboxEntry, cause: String, local: Bool)
    /// Another live process was still sending it when this one stopped waiting.
    case stillSendingElsewhere(OutboxEntry, claim: OutboxClaim, waited: TimeInterval)
    /// It no longer exists: dropped (`minimo outbox drop`) before it was sent.
    case dropped
}

extension ContactStore {
    /// Drains the outbox and follows entry `seq` (normally the one the caller just queued) to
    /// its fate, however it comes: sent by this drain; sent by another process (its stored
    /// answer); held or refused; still queued after a transient failure; or, while another live
    /// process is sending it (or an earlier edit of the same contact), waited for, by polling
    /// the row, then drained again. The wait is bounded by the claim's lease: once it runs out,
    /// this process takes the entry over. Throws only when the cache cannot be read.
    public func sendOutbox(following seq: Int64) async throws -> OutboxOutcome {
        try await follow(seq, drain: OutboxDrainOptions(), waitForOthers: true).outcome
    }

    /// `sendOutbox(following:)` with the drain's options; without `waitForOthers`, an entry
    /// another live process holds (or waits behind) is reported at once rather than waited for
    /// (the TUI says so and goes on). Also says whether the last drain stopped because the
    /// server could not be reached.
    func follow(_ seq: Int64, drain options: OutboxDrainOptions, waitForOthers: Bool) async throws
        -> (outcome: OutboxOutcome, offline: Bool)
    {
        var offline = false
        let outcome = try await follow(seq, drain: options, waitForOthers: waitForOthers) { offline = $0.stoppedByNetwork }
        return (outcome, offline)
    }

    private func follow(
        _ seq: Int64, drain options: OutboxDrainOptions, waitForOthers: Bool, noting note: (OutboxReport) -> Void
    ) async throws -> OutboxOutcome {
        let started = clock.now()
        // A live claimant renews its lease before each request: follow it at most two leases.
        let giveUpAt = started.addingTimeInterval(2 * claimLease)
        var roundsWithoutWaiting = 0
        while true {
            let report = await sendOutbox(options)
            note(report)
            if let answer = report.answers[seq] { return .sent(answer) }
            guard let entry = try await outboxEntry(seq) else { return .dropped }
            switch entry.state {
            case .done:
                let answer = entry.answer ?? SentAnswer(status: entry.lastStatus ?? 0, body: Data(), contactID: entry.contactID)
                if entry.claim?.token == claimToken { return .sent(answer) }
                return .sentByOtherProcess(answer, pid: entry.claim?.pid)
            case .conflict:
                return .conflict(entry)
            case .failed:
                return .refused(entry)
            case .pending, .sending:
                break
            }
            if let cause = report.stoppedBy, report.heldElsewhere[seq] == nil, report.waitingBehind[seq] == nil {
                return .deferred(entry, cause: cause, local: report.stoppedByCache)
            }
            // Wait for whichever entry stands in the way: ours, held by another process, or an
            // earlier edit of the same contact that another process holds.
            let blocker = report.waitingBehind[seq] ?? seq
            let blocking = blocker == seq ? entry : try await outboxEntry(blocker)
            if let blocking, blocking.state == .sending, let claim = blocking.claim, claim.token != claimToken {
                if clock.now() >= giveUpAt || !waitForOthers {
                    return entry.state == .sending
                        ? .stillSendingElsewhere(entry, claim: claim, waited: clock.now().timeIntervalSince(started))
                        : .deferred(
                            entry,
                            cause: "waiting behind outbox entry \(blocker), an earlier edit of the same contact that minimo process \(claim.pid) is still sending",
                            local: true)
                }
                try await awaitRelease(of: blocking, claim: claim, until: giveUpAt)
                roundsWithoutWaiting = 0
                continue
            } else if let cause = report.stoppedBy {
                return .deferred(entry, cause: cause, local: report.stoppedByCache)
            } else if clock.now() >= giveUpAt {
                return .deferred(entry, cause: entry.lastError ?? "not sent after waiting for other minimo processes", local: true)
            }
            // Otherwise the entry came back to pending (another process's transient failure):
            // drain again, this time claiming it. Never spin: each round sends or waits.
            roundsWithoutWaiting += 1
            if roundsWithoutWaiting >= 20 {
                return .deferred(
                    entry, cause: entry.lastError ?? "other minimo processes kept taking this edit back to the queue", local: true)
            }
        }
    }

    /// Polls `entry`'s row (a read of one row by key, cheap) until the claim `claim` no longer
    /// holds it: the state or the token changed, the claimant died, or its lease ran out; or
    /// until `deadline`. Backs off from 10 ms to 200 ms.
    func awaitRelease(of entry: OutboxEntry, claim: OutboxClaim, until deadline: Date) async throws {
        var pause = 0.01
        let seq = entry.seq
        while true {
            let now = clock.now()
            if now >= deadline || claim.hasExpired(at: now) || !claim.processIsAlive { return }
            let current = try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT state, claimToken FROM outbox WHERE seq = ?", arguments: [seq])
                    .map { (OutboxEntry.State(rawValue: $0["state"]), $0["claimToken"] as String?) }
            }
            guard let current, current.0 == .sending, current.1 == claim.token else { return }
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))  // ok: polling another process's progress
            pause = min(pause * 2, 0.2)
        }
    }
}
