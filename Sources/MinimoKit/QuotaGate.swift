import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who is asking: the person at the keyboard goes first; background work (sync, revalidation)
/// waits behind them and leaves them a reserve.
public enum RequestPriority: Sendable, Hashable {
    case interactive
    case background
}

/// Keeps the client from spending quota it does not have (DESIGN §4, §10).
///
/// Before each request the client asks the gate for a permit. The gate knows the last figures the
/// server sent and how many requests are in flight; it never lets a request go when it knows the
/// window is spent, and waits until the reset instead. While the quota is unknown (before the
/// first answer) one request at a time goes out, as a probe. Interactive requests are granted
/// before background ones, and background requests keep `backgroundReserve` of the limit unspent.
///
/// With a `QuotaLedgerFile` those figures and the requests in flight are shared by every process
/// using the key: each permit is a lease written to the ledger (with the pid and an expiry), each
/// answer's headers are merged into it, and a 429 holds every process. A waiter blocked by other
/// processes' requests polls the ledger (5 ms while they are in flight, else 250 ms) since their
/// answers do not wake this gate. Without a ledger the book lives in memory, for this process only.
public actor QuotaGate {
    public struct Configuration: Sendable {
        /// When false, permits are granted at once (the figures are still tracked).
        public var enabled: Bool
        /// Fraction of the limit that background work leaves to interactive requests.
        public var backgroundReserve: Double
        /// Extra wait past the announced reset, to absorb a server clock that is slightly behind.
        public var resetMargin: Double
        /// The shared ledger's path (see `QuotaLedgerFile.fileName`); nil keeps the quota per process.
        public var ledgerPath: String?
        /// How long a permit holds in the shared ledger if its process never returns it (killed,
        /// hung). `MinimoClient` raises it to at least its timeout plus 10 s, so a live request's
        /// lease never lapses. A dead process's leases are freed at once (its pid is gone).
        public var leaseSeconds: Double
        /// How long a request given up without an answer may still land at the server and is
        /// counted in flight for the windows after its own (`QuotaBook.strayHorizon` at most;
        /// `MinimoClient` sets three times its timeout, at least 1 s).
        public var strayHorizon: Double = QuotaBook.strayHorizon
        /// A request that would wait longer than this for the window to reset (or for a 429's
        /// wait) fails at once with `.rateLimited`, nothing sent. `MinimoClient` lowers it to
        /// its retry policy's `maxRateLimitWait` (the CLI's `--max-wait`).
        public var maxWait: Double

        public init(
            enabled: Bool = true, backgroundReserve: Double = 0.2, resetMargin: Double = 0.05, ledgerPath: String? = nil,
            leaseSeconds: Double = 30, maxWait: Double = .infinity
        ) {
            self.enabled = enabled
            self.backgroundReserve = backgroundReserve
            self.resetMargin = resetMargin
            self.ledgerPath = ledgerPath
            self.leaseSeconds = leaseSeconds
            self.maxWait = maxWait
        }

        /// Requests of a window of `limit` that background work leaves to interactive ones.
        func reserve(of limit: Int) -> Int { Int((Double(limit) * backgroundReserve).rounded(.up)) }
    }

    private struct Waiter {
        let id: UInt64
        let priority: RequestPriority
        let continuation: CheckedContinuation<Void, Error>
    }

    private let configuration: Configuration
    private let clock: MinimoClock
    private let ledger: QuotaLedgerFile?
    private let pid: Int32 = getpid()
    /// Tells this gate's leases from another gate's in the same process.
    private let holder = UInt64.random(in: 1...UInt64.max)
    /// The book: the truth without a ledger, the last copy read with one.
    private var book = QuotaBook()
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var wakeTask: Task<Void, Never>?
    private var wakeAt: Date?
    /// When waiting requests can next go for a reason of time (the reset, a 429's wait).
    private var holdUntil: Date?
    private var subscribers: [UUID: AsyncStream<QuotaStatus>.Continuation] = [:]
    private var lastPublished: QuotaStatus?
    private var watchTask: Task<Void, Never>?

    public init(configuration: Configuration = .init(), clock: MinimoClock = SystemClock(), ledger: QuotaLedgerFile? = nil) {
        self.configuration = configuration
        self.clock = clock
        self.ledger = ledger
    }

    /// Whether the quota is shared with other processes through a ledger file.
    public nonisolated var isShared: Bool { ledger != nil }

    /// The last figures from the server, if any (with a ledger: from any process using the key).
    public var current: QuotaSnapshot? {
        if let ledger { book = ledger.read() }
        return book.snapshot
    }

    /// Requests in flight now (with a ledger: in every process using the key).
    public var inFlight: Int {
        if let ledger { book = ledger.read() }
        return book.liveCount
    }

    /// What the status bar shows: the figures, and since when requests are held for the reset.
    public var status: QuotaStatus {
        QuotaStatus(snapshot: book.snapshot, waitingUntil: waiters.isEmpty ? nil : holdUntil, queued: waiters.count)
    }

    /// Every change of the quota figures or of the waiting state, newest first to the consumer.
    /// With a ledger, other processes' requests move the figures too (read twice a second).
    public nonisolated func statusUpdates() -> AsyncStream<QuotaStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: QuotaStatus.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        Task { await self.subscribe(id, continuation) }
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func subscribe(_ id: UUID, _ continuation: AsyncStream<QuotaStatus>.Continuation) {
        subscribers[id] = continuation
        if let ledger { book = ledger.read() }
        continuation.yield(status)
        if ledger != nil, watchTask == nil {
            let clock = self.clock
            watchTask = Task { [weak self] in
                while !Task.isCancelled {
                    do { try await clock.sleep(seconds: 0.5) } catch { return }
                    await self?.refreshFromLedger()
                }
            }
        }
    }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
        if subscribers.isEmpty {
            watchTask?.cancel()
            watchTask = nil
        }
    }

    private func refreshFromLedger() {
        guard let ledger else { return }
        book = ledger.read()
        publish()
    }

    private func publish() {
        let current = status
        guard current != lastPublished else { return }
        lastPublished = current
        for continuation in subscribers.values { continuation.yield(current) }
    }

    /// Runs `body` on the book: in memory, or under the ledger's lock after freeing the leases of
    /// processes that are gone.
    private func withBook<T>(_ body: (inout QuotaBook) -> T) -> T {
        guard let ledger else {
            // This process only: its strays end at their horizon here too.
            book.reclaim(now: clock.now(), ownPID: pid, isAlive: { _ in true }, horizon: configuration.strayHorizon)
            return body(&book)
        }
        let now = clock.now()
        let (result, updated) = ledger.update { shared -> (T, QuotaBook) in
            shared.reclaim(now: now, ownPID: pid, isAlive: QuotaBook.processIsAlive, horizon: configuration.strayHorizon)
            let result = body(&shared)
            return (result, shared)
        }
        book = updated
        return result
    }

    /// Waits for a permit to send one request. Throws `CancellationError` if the task is cancelled
    /// while waiting (a new search cancels the old one's request).
    public func acquire(_ priority: RequestPriority) async throws {
        try Task.checkCancellation()
        if !configuration.enabled {
            // No predictions, but a 429's wait is a fact the server stated: honour it.
            if let ledger { book = ledger.read() }
            if let blockedUntil = book.blockedUntil, blockedUntil > clock.now() {
                try await clock.sleep(seconds: blockedUntil.timeIntervalSince(clock.now()))
            }
            return
        }
        nextWaiterID += 1
        let id = nextWaiterID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                waiters.append(Waiter(id: id, priority: priority, continuation: continuation))
                pump()
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Returns a permit after the request finished, with the figures its answer carried.
    public func release(observed: QuotaSnapshot?) {
        let now = clock.now()
        let enabled = configuration.enabled
        withBook { book in
            if let observed {
                if enabled { book.returnLease(pid: pid, holder: holder) }
                book.merge(observed, now: now)
            } else if enabled {
                book.strandLease(pid: pid, holder: holder, now: now, horizon: configuration.strayHorizon)
            } else {
                book.spendUnanswered(now: now)
            }
        }
        pump()
        publish()
    }

    /// A 429 arrived: hold every request until `seconds` from now. The server's wait wins over
    /// the window's reset: a 429 that says `Retry-After: 2` while the window resets in 60 s (a
    /// burst limit, another client of the account) is retried after 2 s, as the design asks
    /// ("honours retry_after / Retry-After"), and the answer then says what is left.
    ///
    /// `observed` is the figures the 429 carried (already given to `release`): with quota left the
    /// window stands as they say; spent, nothing goes before its reset; without figures, one probe
    /// at a time after the wait (see `QuotaBook.block`).
    public func noteRateLimited(retryAfter seconds: Double, observed: QuotaSnapshot? = nil) {
        let now = clock.now()
        let until = now.addingTimeInterval(max(seconds, 0))
        withBook { $0.block(until: until, observed: observed, now: now) }
        pump()
        publish()
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: CancellationError())
        scheduleWake(now: clock.now())
        publish()
    }

    /// Grants permits in order: every interactive waiter (oldest first) before any background one.
    /// The first waiter that cannot go stops the round, so nobody overtakes a waiting interactive
    /// request, and background work never spends the reserve. With a ledger, one lock covers the
    /// whole round.
    private func pump() {
        let now = clock.now()
        guard !waiters.isEmpty else {
            scheduleWake(now: now)
            return
        }
        let order = waiters.filter { $0.priority == .interactive } + waiters.filter { $0.priority == .background }
        let configuration = self.configuration
        let lease = QuotaBook.Lease(
            pid: pid, holder: holder, priority: .interactive,
            expiresAt: ledger == nil ? .greatestFiniteMagnitude : now.timeIntervalSince1970 + configuration.leaseSeconds)
        let granted: Set<UInt64> = withBook { book in
            var granted: Set<UInt64> = []
            for waiter in order {
                guard book.allowance(for: waiter.priority, now: now, configuration: configuration) > 0 else { break }
                var mine = lease
                mine.priority = waiter.priority
                book.leases.append(mine)
                granted.insert(waiter.id)
            }
            return granted
        }
        for waiter in order where granted.contains(waiter.id) { waiter.continuation.resume() }
        if !granted.isEmpty { waiters.removeAll { granted.contains($0.id) } }
        refuseLongWaits(now: now)
        scheduleWake(now: now)
        publish()
    }

    /// Fails the interactive waiters that could go only after more than `maxWait`: a spent window
    /// (of every process using the key) is a fact, and a command told not to wait that long says
    /// so at once. Background work (a sync, an import) waits for the reset however long it is:
    /// that is what it is for. One second of slack absorbs the reset's rounding to whole seconds.
    private func refuseLongWaits(now: Date) {
        guard configuration.maxWait.isFinite, !waiters.isEmpty else { return }
        waiters.removeAll { waiter in
            guard waiter.priority == .interactive,
                let until = book.spentUntil(waiter.priority, now: now, configuration: configuration)
            else { return false }
            let wait = until.timeIntervalSince(now)
            guard wait > configuration.maxWait + 1 else { return false }
            let limit = book.snapshot.map { "\($0.limit)" } ?? "?"
            waiter.continuation.resume(
                throwing: MinimoError(
                    .rateLimited(retryAfter: wait.rounded(.up)), status: nil, code: "quota_spent",
                    message: "the rate-limit quota of this key is spent (limit \(limit) per window\(isShared ? ", shared by every minimo process using the key" : "")); it resets in \(Int(wait.rounded(.up))) s, longer than the \(Self.seconds(configuration.maxWait)) s this command may wait (--max-wait); nothing was sent"))
            return true
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Wakes the gate at the reset (or the end of a 429 block) when someone is waiting for it;
    /// with a ledger, also soon enough to see other processes' permits come back.
    private func scheduleWake(now: Date) {
        guard !waiters.isEmpty else {
            wakeTask?.cancel()
            wakeTask = nil
            wakeAt = nil
            holdUntil = nil
            return
        }
        // The soonest a waiting request can go for a reason of time: a 429's wait, or the reset
        // of a window spent for its priority. Otherwise it waits for a request in flight.
        let priorities = Set(waiters.map(\.priority))
        holdUntil = priorities.compactMap { book.spentUntil($0, now: now, configuration: configuration) }.min()
        var target = holdUntil
        if ledger != nil {
            let othersInFlight = book.leases.contains { $0.pid != QuotaBook.strayPID && ($0.pid != pid || $0.holder != holder) }
            let poll = now.addingTimeInterval(othersInFlight ? 0.005 : 0.25)
            target = min(target ?? poll, poll)
        }
        // A stray's end frees its place: no answer will pump the gate then.
        if let strayEnd = book.leases.filter({ $0.pid == QuotaBook.strayPID }).map(\.expiresAt).min() {
            let end = Date(timeIntervalSince1970: strayEnd)
            target = min(target ?? end, end)
        }
        guard let target, target > now else {
            // Nothing time-based to wait for: an answer in flight will pump the gate.
            return
        }
        if let wakeAt, wakeAt == target, wakeTask != nil { return }
        wakeTask?.cancel()
        wakeAt = target
        let delay = target.timeIntervalSince(now)
        let clock = self.clock
        wakeTask = Task { [weak self] in
            do { try await clock.sleep(seconds: delay) } catch { return }
            await self?.wake()
        }
    }

    private func wake() {
        wakeTask = nil
        wakeAt = nil
        if let ledger { book = ledger.read() }
        if let blockedUntil = book.blockedUntil, clock.now() >= blockedUntil, ledger == nil { book.blockedUntil = nil }
        pump()
        publish()
    }
}

/// The quota as the status bar needs it: figures plus whether requests are held for the reset.
public struct QuotaStatus: Sendable, Hashable {
    public var snapshot: QuotaSnapshot?
    /// Set while requests wait for the window to reset.
    public var waitingUntil: Date?
    /// Requests waiting for a permit.
    public var queued: Int

    public init(snapshot: QuotaSnapshot?, waitingUntil: Date?, queued: Int) {
        self.snapshot = snapshot
        self.waitingUntil = waitingUntil
        self.queued = queued
    }
}
