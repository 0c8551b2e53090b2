import Foundation
import MinimoCache

/// Actions posted by effect tasks for the event loop to pick up (curses is not thread-safe:
/// only the loop's thread touches the terminal, so results come back through here).
final class ActionInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [AppAction] = []
    private var posts = 0
    /// A pipe whose read end the event loop polls beside the keyboard: a post writes a byte,
    /// so a result is drawn as soon as it arrives rather than at the next key or tick.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
    }

    deinit {
        if wakeDescriptor >= 0 { close(wakeDescriptor) }
        if wakeWriter >= 0 { close(wakeWriter) }
    }

    func post(_ action: AppAction) {
        lock.withLock {
            pending.append(action)
            posts += 1
        }
        // A full pipe already means "wake up": a failed write loses nothing.
        var byte: UInt8 = 1
        if wakeWriter >= 0 { _ = write(wakeWriter, &byte, 1) }
    }

    /// Nothing waiting, and how many actions were ever posted (moves with each post).
    var emptiness: (isEmpty: Bool, posts: Int) { lock.withLock { (pending.isEmpty, posts) } }

    func drain() -> [AppAction] {
        lock.withLock {
            defer { pending.removeAll() }
            return pending
        }
    }
}

/// This process's own work that may write contacts or send outbox entries (lookups with their
/// revalidation, saves, a sync, the retry of its own queued edits): a change the cache watch
/// sees while such work runs may be this process's, and is not blamed on another one.
///
/// A lookup or a save posts what it stored to the screen before it ends, so once it is over the
/// screen already shows its result and a differing copy in the cache is someone else's. A sync
/// or a retry stores without showing: a change seen in the look after it ended may be its own
/// too (`generation` moves only for those).
final class OwnWork: @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    private var generation = 0
    /// Moves whenever any own work ends: the next look posts what it sees even when unchanged,
    /// so a count that work posted from its own (older) read is set right.
    private var finished = 0
    /// Outbox entries this session queued.
    private var queued: Set<Int64> = []

    func begin(showsResult: Bool) { lock.withLock { running += 1; if !showsResult { generation += 1 } } }
    func end(showsResult: Bool) {
        lock.withLock {
            running -= 1
            finished += 1
            if !showsResult { generation += 1 }
        }
    }

    var mark: Mark { lock.withLock { Mark(running: running, generation: generation, finished: finished) } }

    struct Mark {
        var running: Int
        var generation: Int
        var finished: Int
    }

    func remember(_ seq: Int64) { _ = lock.withLock { queued.insert(seq) } }
    func queuedAny(of seqs: [Int64]) -> Bool { lock.withLock { seqs.contains { queued.contains($0) } } }
}

/// The once-a-second look at the shared cache: one read at a time, and an action only when
/// what it saw changed (or when this process's own work may have moved what the screen shows,
/// so that figures posted by that work are checked against the cache once it is done).
final class CacheWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var last: CacheWatch?
    private var reading = false
    private var seenGeneration = 0
    private var seenFinished = 0

    /// False while the previous look is still reading (a busy database): that one answers.
    func beginLook() -> Bool {
        lock.withLock {
            if reading { return false }
            reading = true
            return true
        }
    }

    func finishLook(_ watch: CacheWatch?, before: OwnWork.Mark, after: OwnWork.Mark) -> AppAction? {
        lock.withLock {
            reading = false
            guard let watch else { return nil }
            let ownWork = before.running > 0 || after.running > 0 || after.generation != seenGeneration
            let ownWorkEnded = after.finished != seenFinished
            seenGeneration = after.generation
            seenFinished = after.finished
            guard watch != last || ownWork || ownWorkEnded else { return nil }
            last = watch
            return .cacheWatched(watch, ownWork: ownWork)
        }
    }
}
