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

    /// How many leases one book can hold: far above any real limit's concurrency; past it
    /// requests wait for a lease to be returned.
    static let maxLeases = 64

    /// Requests that may go out now at `priority`, from the book.
    func allowance(for priority: RequestPriority, now: Date, configuration: QuotaGate.Configuration) -> Int {
        if let blockedUntil, now < blockedUntil { return 0 }
        guard leases.count < Self.maxLeases else { return 0 }
        let inFlight = leases.count
        guard let snapshot else {
            return inFlight == 0 ? 1 : 0  // unknown quota: one probe at a time
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
                return inFlight == 0 ? 1 : 0
            } else {
                remaining = snapshot.limit
            }
        } else if snapshot.resetAt == nil, snapshot.remaining <= 0 {
            remaining = inFlight == 0 ? 1 : 0  // spent, reset unknown: probe one at a time
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

    /// A request ended without an answer (a network error, a timeout, a cancellation): the server
    /// may have counted it, so it counts against the current window (better a request kept back
    /// than a 429).
    mutating func noteUnanswered(now: Date) {
        guard var current = snapshot, !current.isExpired(now: now) else { return }
        current.remaining = max(0, current.remaining - 1)
        snapshot = current
    }

    /// Drops the leases nobody will return: expired ones, and those of processes that are gone.
    /// Such a request may have reached the server before its sender died, so each one dropped
    /// early still counts against the current window (one less remaining): better a request
    /// kept back than a 429.
    mutating func reclaim(now: Date, ownPID: Int32, isAlive: (Int32) -> Bool) {
        guard !leases.isEmpty else { return }
        let clock = now.timeIntervalSince1970
        var lost = 0
        leases.removeAll { lease in
            let gone = lease.expiresAt <= clock || (lease.pid != ownPID && !isAlive(lease.pid))
            if gone { lost += 1 }
            return gone
        }
        if lost > 0, var current = snapshot, !current.isExpired(now: now) {
            current.remaining = max(0, current.remaining - lost)
            snapshot = current
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
