import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the quota gate decides from: the figures the server last sent, a 429's hold, and the
/// requests in flight (one lease each). One process keeps it in memory; every process using the
/// same key shares it through a `QuotaLedgerFile`.
struct QuotaBook: Sendable, Equatable {
    /// One request in flight: who sent it and until when the reservation holds if nobody returns it.
    struct Lease: Sendable, Equatable {
        var pid: Int32
        /// The gate that holds it (several gates can live in one process).
        var holder: UInt64
        var priority: RequestPriority
        /// After this the lease is void (a hung or killed process leaks nothing for long).
        var expiresAt: Double
    }

    var snapshot: QuotaSnapshot?
    /// Set by a 429: nothing goes out before this time, whatever the headers said.
    var blockedUntil: Date?
    var leases: [Lease] = []

    /// How long after a window's reset a request sent in it may still reach the server (longer
    /// than any request's timeout, 15 s by default): until then the next window's first request
    /// goes alone, and its answer tells what is left.
    static let stragglerHorizon: Double = 30

    /// The pid of a stray: the lease of a request that ended without an answer (a timeout, a
    /// cancellation, a sender killed). The server may count that request yet: in the window it
    /// was sent in, where it is counted as spent at once (one less remaining), or, held up on
    /// the way, in a later one, where the stray counts as a request in flight until
    /// `strayHorizon` has passed. (Counting it only against its own window let a stray that
    /// landed after the reset take the last request of the next window: the multi-worker soak
    /// caught one 429 of a spent window so.) A stray's `holder` holds the reset time of the
    /// window it was lost in (its bit pattern), to tell its own window from later ones.
    static let strayPID: Int32 = 0
    /// How long after its answer was given up a request may still reach the server, at most
    /// (`QuotaGate.Configuration.strayHorizon` sets it per client): a request the server has
    /// received is done within seconds, and one it has not when the connection closes does not
    /// arrive later, but for what a proxy or a loaded machine holds up.
    static let strayHorizon: Double = 5

    /// Requests in flight that someone still waits on (strays left out): one probe goes only
    /// when there is none, whatever strays are out.
    var liveCount: Int { leases.reduce(0) { $0 + ($1.pid == Self.strayPID ? 0 : 1) } }

    /// Strays lost in an earlier window than the one on record (or when none was): they may land
    /// in this one, which has not counted them.
    var straysFromEarlierWindows: Int {
        let current = snapshot?.resetAt?.timeIntervalSince1970
        return leases.reduce(0) { count, lease in
            guard lease.pid == Self.strayPID else { return count }
            let lostIn = Double(bitPattern: lease.holder)
            guard let current, lostIn.isFinite, lostIn > 0 else { return count + 1 }
            return lostIn < current - 0.5 ? count + 1 : count
        }
    }

    /// A request is given up (its answer lost, or its sender gone): spent in the current
    /// window, and a stray for the windows after it.
    mutating func makeStray(_ index: Int, now: Date, horizon: Double = QuotaBook.strayHorizon) {
        let lostIn = snapshot.flatMap { $0.isExpired(now: now) ? nil : $0.resetAt?.timeIntervalSince1970 } ?? 0
        leases[index] = Lease(
            pid: Self.strayPID, holder: lostIn.bitPattern, priority: leases[index].priority,
            expiresAt: now.timeIntervalSince1970 + horizon)
        spendUnanswered(now: now)
    }

    /// One request of the current window ended without an answer: the server may have counted
    /// it, so it is spent (better a request kept back than a 429). With the gate off there is no
    /// lease to keep as a stray, but the figures still count it.
    mutating func spendUnanswered(now: Date) {
        guard var current = snapshot, !current.isExpired(now: now) else { return }
        current.remaining = max(0, current.remaining - 1)
        snapshot = current
    }

    /// How many leases one book can hold: far above any real limit's concurrency; past it
    /// requests wait for a lease to be returned.
    static let maxLeases = 64

    /// Requests that may go out now at `priority`, from the book.
    func allowance(for priority: RequestPriority, now: Date, configuration: QuotaGate.Configuration) -> Int {
        if let blockedUntil, now < blockedUntil { return 0 }
        guard leases.count < Self.maxLeases else { return 0 }
        let live = liveCount
        let inFlight = live + straysFromEarlierWindows
        guard let snapshot else {
            return live == 0 ? 1 : 0  // unknown quota: one probe at a time
        }
        var remaining = snapshot.remaining
        if let resetAt = snapshot.resetAt, now >= resetAt.addingTimeInterval(configuration.resetMargin) {
            // The window is over, and no answer has told how much of the next one is left: one
            // probe at a time until one does. Taking the full limit for granted let a burst into
            // a window that a straggler had already opened and charged (a request sent near the
            // end of the last window, whose answer the client never saw: it timed out, or its
            // sender was killed); the multi-worker soak caught one 429 of a spent window so. Long
            // after the reset no straggler can still arrive: the full limit is back.
            if now.timeIntervalSince(resetAt) < Self.stragglerHorizon {
                return live == 0 ? 1 : 0
            } else {
                remaining = snapshot.limit
            }
        } else if snapshot.resetAt == nil, snapshot.remaining <= 0 {
            // Spent, reset unknown: one probe at a time (strays do not stop a probe).
            let probe = live == 0 ? 1 : 0
            return priority == .background ? probe - configuration.reserve(of: snapshot.limit) : probe
        }
        var available = remaining - inFlight
        if priority == .background {
            available -= configuration.reserve(of: snapshot.limit)
        }
        return available
    }

    /// When a request at `priority` can next go if the window is spent for it (or a 429 holds
    /// everyone): nil when it is only waiting for requests in flight, or for nothing.
    func spentUntil(_ priority: RequestPriority, now: Date, configuration: QuotaGate.Configuration) -> Date? {
        var until: Date?
        if let blockedUntil, now < blockedUntil { until = blockedUntil }
        guard let snapshot, let resetAt = snapshot.resetAt else { return until }
        let end = resetAt.addingTimeInterval(configuration.resetMargin)
        guard now < end else { return until }
        var left = snapshot.remaining
        if priority == .background {
            left -= configuration.reserve(of: snapshot.limit)
        }
        return left <= 0 ? max(until ?? end, end) : until
    }

    /// Folds in the figures of one answer. Within one window answers can arrive out of order
    /// (and from several processes), so the lowest remaining is the truth; an answer from a
    /// window older than the one on record says nothing about the current one.
    mutating func merge(_ observed: QuotaSnapshot, now: Date) {
        guard let previous = snapshot, let oldReset = previous.resetAt, let newReset = observed.resetAt,
            !previous.isExpired(now: now)
        else {
            snapshot = observed
            return
        }
        if newReset.timeIntervalSince(oldReset) < -0.5 { return }  // a late answer from an older window
        guard abs(newReset.timeIntervalSince(oldReset)) < 0.5 else {
            snapshot = observed
            return
        }
        var merged = observed
        merged.remaining = min(previous.remaining, observed.remaining)
        snapshot = merged
    }

    /// A 429: hold every request until `until`. What it says about the window depends on the
    /// figures the 429 itself carried (already merged by the caller):
    /// - quota left (`remaining > 0`): a burst limit or another client of the account; the window
    ///   is as the figures say, and requests resume after the wait;
    /// - spent (`remaining == 0`) with a known reset: nothing goes before that reset either, since
    ///   a request sooner is known to get another 429;
    /// - no figures: the window is unknown; after the wait one probe goes at a time until an
    ///   answer tells. (Taking the end of the wait for a fresh window let a burst of the whole
    ///   limit into a window that was in fact spent: the multi-worker soak caught it.)
    mutating func block(until: Date, observed: QuotaSnapshot?, now: Date) {
        blockedUntil = max(blockedUntil ?? until, until)
        guard var current = snapshot else { return }
        if let observed, observed.remaining > 0 { return }
        current.remaining = 0
        if observed == nil || current.resetAt == nil || current.isExpired(now: now) {
            current.resetAt = nil
        }
        snapshot = current
    }

    /// A request of `holder` ended without an answer (a network error, a timeout, a
    /// cancellation): the server may count it yet, so its lease stays, as a stray, until the
    /// straggler horizon has passed (better a request kept back than a 429).
    mutating func strandLease(pid: Int32, holder: UInt64, now: Date, horizon: Double = QuotaBook.strayHorizon) {
        let mine = leases.indices.filter { leases[$0].pid == pid && leases[$0].holder == holder }
        guard let first = mine.min(by: { leases[$0].expiresAt < leases[$1].expiresAt }) else { return }
        makeStray(first, now: now, horizon: horizon)
    }

    /// Frees the leases nobody will return. A stray goes when its horizon has passed. The
    /// lease of a process that is gone, or one past its expiry, becomes a stray (and is spent in
    /// the current window): its request may have reached the server before its sender died,
    /// or may still.
    mutating func reclaim(now: Date, ownPID: Int32, isAlive: (Int32) -> Bool, horizon: Double = QuotaBook.strayHorizon) {
        guard !leases.isEmpty else { return }
        let clock = now.timeIntervalSince1970
        leases.removeAll { $0.pid == Self.strayPID && $0.expiresAt <= clock }
        for index in leases.indices where leases[index].pid != Self.strayPID {
            let lease = leases[index]
            if lease.expiresAt <= clock || (lease.pid != ownPID && !isAlive(lease.pid)) { makeStray(index, now: now, horizon: horizon) }
        }
        if let blockedUntil, blockedUntil <= now { self.blockedUntil = nil }
    }

    /// Returns one lease of `holder` (the one due to expire first: they are interchangeable).
    mutating func returnLease(pid: Int32, holder: UInt64) {
        let mine = leases.indices.filter { leases[$0].pid == pid && leases[$0].holder == holder }
        guard let first = mine.min(by: { leases[$0].expiresAt < leases[$1].expiresAt }) else { return }
        leases.remove(at: first)
    }

    /// Whether a process is still running (`kill(pid, 0)`: no signal is sent). A pid this user
    /// may not signal belongs to a live process all the same.
    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}

// MARK: - The ledger file's layout

extension QuotaBook {
    /// `MNQ1`, then the figures, then the leases; little-endian, fixed offsets.
    static let magic: UInt32 = 0x3151_4E4D
    static let headerSize = 64
    static let leaseSize = 32
    static let maxFileSize = headerSize + maxLeases * leaseSize

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.headerSize + leases.count * Self.leaseSize)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
            }
        }
        func put(_ value: Double?, at offset: Int) { put((value ?? .nan).bitPattern, at: offset) }
        put(Self.magic, at: 0)
        put(UInt32(1), at: 4)
        put(UInt32(snapshot == nil ? 0 : 1), at: 8)
        put(UInt32(leases.count), at: 12)
        if let snapshot {
            put(Int64(snapshot.limit), at: 16)
            put(Int64(snapshot.remaining), at: 24)
            put(snapshot.resetAt?.timeIntervalSince1970, at: 32)
            put(snapshot.observedAt.timeIntervalSince1970, at: 40)
        }
        put(blockedUntil?.timeIntervalSince1970, at: 48)
        for (index, lease) in leases.enumerated() {
            let base = Self.headerSize + index * Self.leaseSize
            put(lease.pid, at: base)
            put(UInt32(lease.priority == .interactive ? 0 : 1), at: base + 4)
            put(lease.holder, at: base + 8)
            put(lease.expiresAt, at: base + 16)
        }
        return bytes
    }

    /// Reads what `encoded()` wrote. Anything else (an empty new file, a file cut short, another
    /// version) reads as an empty book: a ledger that cannot be read must never block anyone,
    /// and the next answer's headers fill it again.
    init(decoding bytes: UnsafeRawBufferPointer) {
        self.init()
        func get<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        func double(at offset: Int) -> Double? {
            let value = Double(bitPattern: get(UInt64.self, at: offset))
            return value.isFinite ? value : nil
        }
        guard bytes.count >= Self.headerSize, get(UInt32.self, at: 0) == Self.magic, get(UInt32.self, at: 4) == 1 else { return }
        let count = Int(get(UInt32.self, at: 12))
        guard count <= Self.maxLeases, bytes.count >= Self.headerSize + count * Self.leaseSize else { return }
        if get(UInt32.self, at: 8) == 1, let observed = double(at: 40) {
            let limit = get(Int64.self, at: 16)
            let remaining = get(Int64.self, at: 24)
            if (0..<1_000_000_000).contains(limit), (0..<1_000_000_000).contains(remaining) {
                snapshot = QuotaSnapshot(
                    limit: Int(limit), remaining: Int(remaining), resetAt: double(at: 32).map(Date.init(timeIntervalSince1970:)),
                    observedAt: Date(timeIntervalSince1970: observed))
            }
        }
        blockedUntil = double(at: 48).map(Date.init(timeIntervalSince1970:))
        for index in 0..<count {
            let base = Self.headerSize + index * Self.leaseSize
            guard let expiresAt = double(at: base + 16) else { continue }
            leases.append(
                Lease(
                    pid: get(Int32.self, at: base), holder: get(UInt64.self, at: base + 8),
                    priority: get(UInt32.self, at: base + 4) == 0 ? .interactive : .background, expiresAt: expiresAt))
        }
    }
}
