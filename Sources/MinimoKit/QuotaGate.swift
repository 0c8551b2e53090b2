import Foundation

/// Who is asking: the person at the keyboard goes first; background work (sync, revalidation)
/// waits behind them and leaves them a reserve.
public enum RequestPriority: Sendable, Hashable {
    case interactive
    case background
}

/// Keeps the client from spending quota it does not have (DESIGN §4).
///
/// Before each request the client asks the gate for a permit. The gate knows the last figures the
/// server sent and how many requests are in flight; it never lets a request go when it knows the
/// window is spent, and waits until the reset instead. While the quota is unknown (before the
/// first answer) one request at a time goes out, as a probe. Interactive requests are granted
/// before background ones, and background requests keep `backgroundReserve` of the limit unspent.
public actor QuotaGate {
    public struct Configuration: Sendable {
        /// When false, permits are granted at once (the figures are still tracked).
        public var enabled: Bool
        /// Fraction of the limit that background work leaves to interactive requests.
        public var backgroundReserve: Double
        /// Extra wait past the announced reset, to absorb a server clock that is slightly behind.
        public var resetMargin: Double

        public init(enabled: Bool = true, backgroundReserve: Double = 0.2, resetMargin: Double = 0.05) {
            self.enabled = enabled
            self.backgroundReserve = backgroundReserve
            self.resetMargin = resetMargin
        }
    }

    private struct Waiter {
        let id: UInt64
        let priority: RequestPriority
        let continuation: CheckedContinuation<Void, Error>
    }

    private let configuration: Configuration
    private let clock: MinimoClock
    private var snapshot: QuotaSnapshot?
    /// Set by a 429: nothing goes out before this time, whatever the headers said.
    private var blockedUntil: Date?
    private var inFlight = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var wakeTask: Task<Void, Never>?
    private var wakeAt: Date?
    private var subscribers: [UUID: AsyncStream<QuotaStatus>.Continuation] = [:]

    public init(configuration: Configuration = .init(), clock: MinimoClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
    }

    /// The last figures from the server, if any.
    public var current: QuotaSnapshot? { snapshot }

    /// What the status bar shows: the figures, and since when requests are held for the reset.
    public var status: QuotaStatus {
        QuotaStatus(snapshot: snapshot, waitingUntil: waiters.isEmpty ? nil : wakeAt, queued: waiters.count)
    }

    /// Every change of the quota figures or of the waiting state, newest first to the consumer.
    public nonisolated func statusUpdates() -> AsyncStream<QuotaStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: QuotaStatus.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        Task { await self.subscribe(id, continuation) }
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func subscribe(_ id: UUID, _ continuation: AsyncStream<QuotaStatus>.Continuation) {
        subscribers[id] = continuation
        continuation.yield(status)
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private func publish() {
        let current = status
        for continuation in subscribers.values { continuation.yield(current) }
    }

    /// Waits for a permit to send one request. Throws `CancellationError` if the task is cancelled
    /// while waiting (a new search cancels the old one's request).
    public func acquire(_ priority: RequestPriority) async throws {
        try Task.checkCancellation()
        if !configuration.enabled {
            // No predictions, but a 429's wait is a fact the server stated: honour it.
            if let blockedUntil, blockedUntil > clock.now() {
                try await clock.sleep(seconds: blockedUntil.timeIntervalSince(clock.now()))
            }
            inFlight += 1
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
        inFlight = max(0, inFlight - 1)
        if let observed { merge(observed) }
        pump()
        publish()
    }

    /// A 429 arrived: hold every request until `seconds` from now. The server's wait wins over
    /// the window's reset: a 429 that says `Retry-After: 2` while the window resets in 60 s (a
    /// burst limit, another client of the account) is retried after 2 s, as the design asks
    /// ("honours retry_after / Retry-After"), and the answer then says what is left.
    public func noteRateLimited(retryAfter seconds: Double) {
        let until = clock.now().addingTimeInterval(max(seconds, 0))
        blockedUntil = max(blockedUntil ?? until, until)
        if var current = snapshot {
            current.remaining = 0
            current.resetAt = blockedUntil
            snapshot = current
        }
        pump()
        publish()
    }

    private func merge(_ observed: QuotaSnapshot) {
        guard let previous = snapshot, let oldReset = previous.resetAt, let newReset = observed.resetAt,
            abs(newReset.timeIntervalSince(oldReset)) < 0.5, !previous.isExpired(now: clock.now())
        else {
            snapshot = observed
            return
        }
        // Same window: answers can arrive out of order, so the lowest remaining is the truth.
        var merged = observed
        merged.remaining = min(previous.remaining, observed.remaining)
        snapshot = merged
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: CancellationError())
        publish()
    }

    /// How many more requests may go out now at `priority`, from what the gate knows.
    private func allowance(for priority: RequestPriority, now: Date) -> Int {
        if let blockedUntil, now < blockedUntil { return 0 }
        guard let snapshot else {
            return inFlight == 0 ? 1 : 0  // unknown quota: one probe at a time
        }
        var remaining = snapshot.remaining
        if let resetAt = snapshot.resetAt, now >= resetAt.addingTimeInterval(configuration.resetMargin) {
            remaining = snapshot.limit  // the window is over: a fresh one starts with the full limit
        } else if snapshot.resetAt == nil, snapshot.remaining <= 0 {
            remaining = inFlight == 0 ? 1 : 0  // spent, reset unknown: probe one at a time
        }
        var available = remaining - inFlight
        if priority == .background {
            available -= Int((Double(snapshot.limit) * configuration.backgroundReserve).rounded(.up))
        }
        return available
    }

    /// Grants permits in order: every interactive waiter (oldest first) before any background one.
    /// The first waiter that cannot go stops the round, so nobody overtakes a waiting interactive
    /// request, and background work never spends the reserve.
    private func pump() {
        let now = clock.now()
        let order = waiters.filter { $0.priority == .interactive } + waiters.filter { $0.priority == .background }
        var granted: Set<UInt64> = []
        for waiter in order {
            guard allowance(for: waiter.priority, now: now) > 0 else { break }
            inFlight += 1
            granted.insert(waiter.id)
            waiter.continuation.resume()
        }
        if !granted.isEmpty { waiters.removeAll { granted.contains($0.id) } }
        scheduleWake(now: now)
        if !granted.isEmpty { publish() }
    }

    /// Wakes the gate at the reset (or the end of a 429 block) when someone is waiting for it.
    private func scheduleWake(now: Date) {
        guard !waiters.isEmpty else {
            wakeTask?.cancel()
            wakeTask = nil
            wakeAt = nil
            return
        }
        var candidates: [Date] = []
        if let blockedUntil, blockedUntil > now { candidates.append(blockedUntil) }
        if let resetAt = snapshot?.resetAt {
            let at = resetAt.addingTimeInterval(configuration.resetMargin)
            if at > now { candidates.append(at) }
        }
        guard let target = candidates.max() ?? nil, target > now else {
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
        publish()
    }

    private func wake() {
        wakeTask = nil
        wakeAt = nil
        if let blockedUntil, clock.now() >= blockedUntil { self.blockedUntil = nil }
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
