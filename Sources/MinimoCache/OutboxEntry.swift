import Foundation
import GRDB
import MinimoKit

/// An edit waiting to reach the server, stored before any request is made so that killing the
/// program at any moment loses nothing. Its idempotency key is fixed when it is queued and sent
/// with every attempt, so a retry after a crash cannot apply it twice.
public struct OutboxEntry: Sendable, Hashable, Identifiable {
    public enum Kind: String, Sendable, Hashable { case update, upsert, delete }

    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting to be sent (again, after a transient failure).
        case pending
        /// A request was started; after a crash it is sent again with the same key.
        case sending
        /// The server confirmed it.
        case done
        /// The server refused it (validation, 404...): kept with the error, not retried alone.
        case failed
        /// The server's values changed since the edit began: held, not sent.
        case conflict
    }

    public var seq: Int64
    public var kind: Kind
    public var contactID: ContactID?
    /// The contact's email when the edit was made (used to check for conflicts).
    public var email: String?
    /// The JSON body to send.
    public var body: JSONValue
    /// The values, before the edit, of the fields it touches (`customFields.plan`, `phone`...).
    public var base: [String: JSONValue]?
    public var idempotencyKey: String
    public var state: State
    public var attempts: Int
    public var lastError: String?
    public var lastStatus: Int?
    /// For a conflict: the server's current values of the fields that changed behind our back.
    public var serverValues: [String: JSONValue]?
    public var createdAt: Date
    public var updatedAt: Date
    /// The process holding the entry while `sending` (and, once settled, the one that settled
    /// it); nil when no process has claimed it since it was last queued.
    public var claim: OutboxClaim?
    /// Once `done`: the HTTP status and the body the server answered, so any process can
    /// report them (a command whose edit another process sent prints this answer).
    public var answerStatus: Int?
    public var answerBody: Data?
    /// The priority its requests go at: `.interactive` for an edit made by hand (the default),
    /// `.background` for bulk work such as `minimo import`, which leaves the quota gate's
    /// reserve to the person at the keyboard.
    public var priority: RequestPriority
    /// The process (pid and store token) that queued it; nil for entries queued before minimo
    /// recorded it. A drain leaves the background entries of another live process to it.
    public var queuedBy: OutboxQueuer?
    /// The batch it belongs to (`import:<file hash>`), if any: a drain can be limited to one
    /// batch, and the batch's answers read back for its report.
    public var batch: String?

    public var id: Int64 { seq }

    /// Being sent by another process (a `sending` entry whose claim holds another pid): this
    /// process leaves it alone unless that process has died or its lease has run out.
    public var claimedByOtherProcess: Bool {
        state == .sending && claim.map { $0.pid != getpid() } == true
    }

    /// For a `done` entry, the server's answer as stored when it was sent (by any process).
    public var answer: SentAnswer? {
        guard state == .done, let answerStatus else { return nil }
        let body = answerBody ?? Data()
        let json = body.isEmpty ? nil : try? JSONValue.parse(body)
        switch kind {
        case .update:
            return SentAnswer(status: answerStatus, body: body, contactID: contactID, contact: json.flatMap { try? Contact(json: $0) })
        case .upsert:
            return SentAnswer(status: answerStatus, body: body, contactID: contactID, created: answerStatus == 201)
        case .delete:
            return SentAnswer(status: answerStatus, body: body, contactID: contactID)
        }
    }
}

extension OutboxEntry.State {
    /// What a drain sends: not yet confirmed, and neither refused nor held.
    public static let unsent: [Self] = [.pending, .sending]
    /// Not yet confirmed by the server: unsent, refused or held.
    public static let unconfirmed: [Self] = [.pending, .sending, .failed, .conflict]
    /// Waiting for a person's decision: held or refused.
    public static let actionable: [Self] = [.conflict, .failed]
}

/// Stored as their names, always bound as statement arguments: no state or kind is spelled
/// inside an SQL string (`state = \(OutboxEntry.State.pending)` in an SQL literal, or `:state`).
extension OutboxEntry.State: DatabaseValueConvertible {}
extension OutboxEntry.Kind: DatabaseValueConvertible {}

/// Which process is sending an outbox entry, and until when it may.
///
/// A drain claims an entry (pending → sending) with one conditional UPDATE that records its
/// pid, a token random to its `ContactStore`, and a lease; other processes skip the entry while
/// the claimant lives and the lease holds. A claim whose process is gone (`kill(pid, 0)` fails
/// with `ESRCH`) or whose lease has run out is taken over by a compare-and-swap UPDATE on the old
/// pid, token and lease, and the entry is sent again under the same idempotency key, so the
/// server replays its answer if the first attempt reached it.
public struct OutboxClaim: Sendable, Hashable {
    public var pid: Int32
    public var token: String
    /// When the lease runs out. A settled entry keeps the pid and token but no lease.
    public var until: Date?

    public init(pid: Int32, token: String, until: Date?) {
        self.pid = pid
        self.token = token
        self.until = until
    }

    /// 120 s. The pid check is the fast path: a claimant that crashed, or was killed, is seen
    /// dead at once and its entries are taken over by the next drain, however long the lease.
    /// The lease only decides for a claimant that looks alive: a process that hangs or is
    /// stopped (`SIGSTOP`, a suspended laptop), a pid reused by an unrelated process after a
    /// crash, a claimant in another pid namespace. So it must outlast what a live, healthy
    /// process can spend on one request of an entry, or a live sender would be overtaken and
    /// the edit sent twice (harmless to the data, thanks to the idempotency key, but a wasted
    /// request and a replay): the quota gate may hold a request up to `--max-wait` (60 s by
    /// default) before it starts, and the request then takes up to `--timeout` (15 s) per
    /// attempt. A lease is taken right before the first request of an entry and renewed right
    /// before the next (the write after a conflict check), so 120 s covers the default wait plus
    /// several attempts. Only a process whose every retry also times out can outlive it, and
    /// then the cost is one replayed request, not a double write. And a wedged process holds an
    /// edit back for two minutes at most.
    public static let defaultLease: TimeInterval = 120

    /// Whether the claiming process still exists: `kill(pid, 0)` succeeds, or fails only for
    /// lack of permission (someone else's process). Not a proof that it is minimo: a reused pid
    /// looks alive, which is what the lease is for.
    public var processIsAlive: Bool { Self.isAlive(pid) }

    public func hasExpired(at now: Date) -> Bool { until.map { now >= $0 } ?? true }

    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }  // kill(0 or -n, 0) would ask about process groups
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}

extension OutboxEntry: FetchableRecord, TableRecord {
    public static let databaseTableName = "outbox"

    /// Read as strings through `rawValue` (see `init(row:)`): a state a newer minimo wrote is
    /// not a crash here.
    public enum Columns {
        public static let seq = Column("seq")
        public static let state = Column("state")
        public static let contactID = Column("contactID")
        public static let batch = Column("batch")
    }

    public init(row: Row) throws {
        func json(_ column: String) -> JSONValue? {
            (row[column] as Data?).flatMap { try? JSONValue.parse($0) }
        }
        seq = row["seq"]
        kind = Kind(rawValue: row["kind"]) ?? .update
        contactID = (row["contactID"] as String?).map { ContactID($0) }
        email = row["email"]
        body = json("body") ?? .object([:])
        base = json("base")?.objectValue
        idempotencyKey = row["idempotencyKey"]
        state = State(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        lastError = row["lastError"]
        lastStatus = row["lastStatus"]
        serverValues = json("serverValues")?.objectValue
        createdAt = Date(timeIntervalSince1970: row["createdAt"])
        updatedAt = Date(timeIntervalSince1970: row["updatedAt"])
        if row.hasColumn("claimPid"), let pid = row["claimPid"] as Int32?, let token = row["claimToken"] as String? {
            claim = OutboxClaim(pid: pid, token: token, until: (row["claimUntil"] as Double?).map { Date(timeIntervalSince1970: $0) })
        } else {
            claim = nil
        }
        answerStatus = row.hasColumn("answerStatus") ? row["answerStatus"] : nil
        answerBody = row.hasColumn("answerBody") ? row["answerBody"] : nil
        priority = row.hasColumn("priority") ? RequestPriority(outboxName: row["priority"]) : .interactive
        if row.hasColumn("queuedByPid"), let pid = row["queuedByPid"] as Int32? {
            queuedBy = OutboxQueuer(pid: pid, token: row["queuedByToken"])
        } else {
            queuedBy = nil
        }
        batch = row.hasColumn("batch") ? row["batch"] : nil
    }
}

/// Who queued an outbox entry.
public struct OutboxQueuer: Sendable, Hashable {
    public var pid: Int32
    /// The queueing store's claim token (random per `ContactStore`).
    public var token: String?

    public init(pid: Int32, token: String?) {
        self.pid = pid
        self.token = token
    }
}

extension RequestPriority {
    /// The name stored in the outbox's `priority` column.
    var outboxName: String {
        switch self {
        case .interactive: "interactive"
        case .background: "background"
        }
    }

    /// Reads the stored name; anything else (nothing older exists) is interactive.
    init(outboxName: String?) {
        self = outboxName == "background" ? .background : .interactive
    }
}

/// How an edit is queued: its idempotency key, the priority it is sent at and its batch.
public struct OutboxQueueOptions: Sendable, Hashable {
    /// A key chosen by the caller (deterministic, for work that may be run again: an import
    /// derives it from the file and the row). Queueing a key that is already in the outbox
    /// returns the existing entry, whatever its state, and queues nothing: a write already
    /// queued is not queued twice, and one already done is not sent again. Nil: a fresh key.
    public var idempotencyKey: String?
    public var priority: RequestPriority
    public var batch: String?
    /// Whether an update is checked against the server before it is sent (a GET, then the PUT
    /// only when the fields it touches still hold what the edit started from). False for an
    /// edit that sets a value whatever was there before (a bulk edit of marked contacts): it
    /// is queued without base values and costs one request, not two.
    public var checksConflicts: Bool

    public init(
        idempotencyKey: String? = nil, priority: RequestPriority = .interactive, batch: String? = nil, checksConflicts: Bool = true
    ) {
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.batch = batch
        self.checksConflicts = checksConflicts
    }
}
