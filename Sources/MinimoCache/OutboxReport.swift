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
    /// Background entries left to the live minimo process that queued them (an import sends its
    /// own rows; a drain elsewhere never spends its time and quota on them).
    public var leftToQueuers = 0

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

/// Options of one drain of the outbox.
public struct OutboxDrainOptions: Sendable {
    /// Only this batch's entries (an import drains its own). An earlier unsent edit of the same
    /// contact outside the batch is still sent first: order per contact is never broken.
    public var batch: String?
    /// Requests in flight at once. 1 (the default) sends one entry after the other; bulk work
    /// uses a few, for throughput on a fast link (the quota gate still paces them).
    public var concurrency: Int
    /// Entries claimed in one transaction and settled in one: each transaction is a commit,
    /// i.e. an fsync, so bulk work claims and settles a wave of entries at once. Default: 1
    /// with a concurrency of 1, else 8 × the concurrency. After a crash, the entries of an
    /// unsettled wave are sent again under their idempotency keys: the server replays them.
    public var waveSize: Int
    /// Called as soon as each entry's fate is known (before the wave is settled), from the
    /// task that sent it: progress bars follow it.
    public var progress: (@Sendable (OutboxSettled) -> Void)?
    /// Only interactive entries (and the earlier edits of their contacts, which must go first):
    /// a save in the TUI sends its own edit without waiting for a bulk edit's background ones.
    public var interactiveOnly: Bool
    /// At most this many entries in this drain (the first in the drain's order), nil: all. The
    /// drains of one store run one at a time, so bulk work drains in short runs, and a save
    /// between two of them waits for one run, not for the whole batch.
    public var maxEntries: Int?

    public init(
        batch: String? = nil, concurrency: Int = 1, waveSize: Int? = nil, interactiveOnly: Bool = false, maxEntries: Int? = nil,
        progress: (@Sendable (OutboxSettled) -> Void)? = nil
    ) {
        self.batch = batch
        self.interactiveOnly = interactiveOnly
        self.maxEntries = maxEntries
        self.concurrency = max(1, concurrency)
        self.waveSize = max(1, waveSize ?? (concurrency <= 1 ? 1 : 8 * concurrency))
        self.progress = progress
    }
}

/// One entry's fate in a drain, as `OutboxDrainOptions.progress` reports it.
public struct OutboxSettled: Sendable, Hashable {
    public var seq: Int64
    /// `done`, `failed`, `conflict`, or `pending` (not sent: a transient failure, a stop).
    public var state: OutboxEntry.State
    public var answer: SentAnswer?
}
