import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit

/// A fresh ledger file in a private temporary directory.
private func temporaryLedger() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-ledger-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("quota.ledger").path
}

/// A pid that belonged to a process that has ended (spawned, then reaped).
private func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

@Suite struct QuotaBookTests {
    @Test func theFileLayoutRoundTrips() {
        var book = QuotaBook()
        book.snapshot = QuotaSnapshot(
            limit: 100, remaining: 42, resetAt: Date(timeIntervalSince1970: 1_900_000_000), observedAt: Date(timeIntervalSince1970: 1_899_999_990))
        book.blockedUntil = Date(timeIntervalSince1970: 1_900_000_001)
        book.leases = [
            .init(pid: 4242, holder: 7, priority: .background, expiresAt: 1_900_000_030),
            .init(pid: 4243, holder: .max, priority: .interactive, expiresAt: 1_900_000_031.5),
        ]
        let bytes = book.encoded()
        let decoded = bytes.withUnsafeBytes { QuotaBook(decoding: $0) }
        #expect(decoded == book)
        #expect(bytes.count == QuotaBook.headerSize + 2 * QuotaBook.leaseSize)
    }

    @Test func anUnreadableFileReadsAsAnEmptyBook() {
        for bytes: [UInt8] in [[], [1, 2, 3], [UInt8](repeating: 0xFF, count: 200), Array("MNQ1 but not really a ledger at all, nope".utf8)] {
            let book = bytes.withUnsafeBytes { QuotaBook(decoding: $0) }
            #expect(book == QuotaBook())
        }
        // A lease count past what the bytes hold is refused whole.
        var book = QuotaBook()
        book.leases = [.init(pid: 1, holder: 1, priority: .interactive, expiresAt: 1)]
        let cut = Array(book.encoded().dropLast(8))
        #expect(cut.withUnsafeBytes { QuotaBook(decoding: $0) } == QuotaBook())
    }

    /// A request sent near the end of a window may reach the server after it (its answer lost
    /// to a timeout or a killed sender) and open the next window: the next window's first
    /// request goes alone, and its answer says what is left.
    @Test func justAfterAResetOneProbeGoesAloneUntilAnAnswerTellsTheNewWindow() {
        let configuration = QuotaGate.Configuration()
        let reset = Date(timeIntervalSince1970: 1_900_000_000)
        var book = QuotaBook()
        book.snapshot = QuotaSnapshot(limit: 80, remaining: 0, resetAt: reset, observedAt: reset.addingTimeInterval(-1))
        let after = reset.addingTimeInterval(1)
        #expect(book.allowance(for: .interactive, now: after, configuration: configuration) == 1)
        book.leases = [.init(pid: getpid(), holder: 1, priority: .interactive, expiresAt: after.timeIntervalSince1970 + 60)]
        #expect(book.allowance(for: .interactive, now: after, configuration: configuration) == 0, "the probe goes alone")
        // Its answer: a straggler had opened the window and used one.
        book.leases = []
        book.merge(QuotaSnapshot(limit: 80, remaining: 78, resetAt: reset.addingTimeInterval(2), observedAt: after), now: after)
        #expect(book.allowance(for: .interactive, now: after, configuration: configuration) == 78)
        // Long after a reset no straggler can arrive: the full limit, at once.
        var stale = QuotaBook()
        stale.snapshot = QuotaSnapshot(limit: 80, remaining: 0, resetAt: reset, observedAt: reset.addingTimeInterval(-1))
        let later = reset.addingTimeInterval(QuotaBook.stragglerHorizon + 1)
        #expect(stale.allowance(for: .interactive, now: later, configuration: configuration) == 80)
    }

    @Test func leasesOfDeadProcessesBecomeStraysThatCountUntilTheirHorizon() throws {
        let now = Date()
        var book = QuotaBook()
        book.snapshot = QuotaSnapshot(limit: 10, remaining: 5, resetAt: now.addingTimeInterval(30), observedAt: now)
        let dead = try deadPID()
        book.leases = [
            .init(pid: dead, holder: 1, priority: .background, expiresAt: now.timeIntervalSince1970 + 60),
            .init(pid: getpid(), holder: 2, priority: .interactive, expiresAt: now.timeIntervalSince1970 + 60),
            .init(pid: getpid(), holder: 3, priority: .interactive, expiresAt: now.timeIntervalSince1970 - 1),  // expired
        ]
        book.reclaim(now: now, ownPID: getpid(), isAlive: QuotaBook.processIsAlive)
        // The dead process's request and the expired one may have reached the server, or may
        // yet: both stay in flight as strays, in this window and the next, until the horizon.
        #expect(book.leases.map(\.pid).sorted() == [QuotaBook.strayPID, QuotaBook.strayPID, getpid()])
        #expect(book.liveCount == 1)
        // Spent in this window (5 - 2), and the live one in flight.
        #expect(book.snapshot?.remaining == 3)
        #expect(book.allowance(for: .interactive, now: now, configuration: QuotaGate.Configuration()) == 2)
        let past = now.addingTimeInterval(QuotaBook.strayHorizon + 1)
        book.reclaim(now: past, ownPID: getpid(), isAlive: QuotaBook.processIsAlive)
        #expect(book.leases.map(\.holder) == [2])
    }

    @Test func aLateAnswerFromAnOlderWindowDoesNotOverwriteTheCurrentOne() {
        let now = Date()
        var book = QuotaBook()
        book.merge(QuotaSnapshot(limit: 10, remaining: 9, resetAt: now.addingTimeInterval(10), observedAt: now), now: now)
        book.merge(QuotaSnapshot(limit: 10, remaining: 2, resetAt: now.addingTimeInterval(-5), observedAt: now), now: now)
        #expect(book.snapshot?.remaining == 9)
        // Same window, out of order: the lowest remaining wins.
        book.merge(QuotaSnapshot(limit: 10, remaining: 7, resetAt: now.addingTimeInterval(10.2), observedAt: now), now: now)
        book.merge(QuotaSnapshot(limit: 10, remaining: 8, resetAt: now.addingTimeInterval(10), observedAt: now), now: now)
        #expect(book.snapshot?.remaining == 7)
    }

    @Test func theLedgerIsPrivateAndNamedWithoutTheKey() throws {
        let path = try temporaryLedger()
        _ = try QuotaLedgerFile(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let key = "mn-live-abcdef-0123456789secret"
        let name = QuotaLedgerFile.fileName(baseURL: URL(string: "https://api.minimo.it")!, apiKey: key)
        #expect(name.hasPrefix("quota-api.minimo.it-"))
        #expect(!name.contains("secret") && !name.contains("abcdef"))
        #expect(name == QuotaLedgerFile.fileName(baseURL: URL(string: "https://api.minimo.it/public/v1")!, apiKey: key))
        #expect(name != QuotaLedgerFile.fileName(baseURL: URL(string: "https://api.minimo.it")!, apiKey: key + "x"))
        #expect(
            QuotaLedgerFile.fileName(baseURL: URL(string: "http://127.0.0.1:8080")!, apiKey: key).hasPrefix("quota-127.0.0.1-8080-"))
    }
}

@Suite struct SharedQuotaGateTests {
    /// Two gates on one ledger stand for two processes: what one holds, the other sees.
    private func twoGates(path: String, configuration: QuotaGate.Configuration = .init()) throws -> (QuotaGate, QuotaGate) {
        (
            QuotaGate(configuration: configuration, ledger: try QuotaLedgerFile(path: path)),
            QuotaGate(configuration: configuration, ledger: try QuotaLedgerFile(path: path))
        )
    }

    @Test func theProbeWhileTheQuotaIsUnknownIsOneForAllProcesses() async throws {
        let (first, second) = try twoGates(path: try temporaryLedger())
        try await first.acquire(.interactive)
        let waiting = Task { try await second.acquire(.interactive) }
        // The second cannot go while the first's probe is out (it polls the ledger meanwhile)...
        while await second.status.queued == 0 { await Task.yield() }
        try await Task.sleep(nanoseconds: 50_000_000)  // ok: ten of the waiter's polls, to show it stays held
        #expect(await second.status.queued == 1)
        #expect(await first.inFlight == 1)
        // ...and goes once the answer tells the quota.
        await first.release(observed: QuotaSnapshot(limit: 10, remaining: 9, resetAt: Date().addingTimeInterval(60), observedAt: Date()))
        try await waiting.value
        #expect(await second.inFlight == 1)
        #expect(await second.current?.remaining == 9)
    }

    @Test func theBackgroundReserveHoldsAcrossProcesses() async throws {
        let (sync, tui) = try twoGates(path: try temporaryLedger())
        let now = Date()
        // Limit 10: the reserve is 2. With 3 left, background work may take 1.
        await sync.release(observed: QuotaSnapshot(limit: 10, remaining: 3, resetAt: now.addingTimeInterval(60), observedAt: now))
        try await sync.acquire(.background)
        let held = Task { try await sync.acquire(.background) }
        while await sync.status.queued == 0 { await Task.yield() }
        // The other process's interactive requests get the reserve at once.
        try await tui.acquire(.interactive)
        try await tui.acquire(.interactive)
        #expect(await tui.inFlight == 3)
        #expect(await sync.status.queued == 1)
        held.cancel()
        await #expect(throws: CancellationError.self) { try await held.value }
    }

    @Test func aKilledProcessLeaksNoReservation() async throws {
        let path = try temporaryLedger()
        let ledger = try QuotaLedgerFile(path: path)
        let dead = try deadPID()
        let now = Date()
        ledger.update { book in
            book.snapshot = QuotaSnapshot(limit: 2, remaining: 2, resetAt: now.addingTimeInterval(60), observedAt: now)
            book.leases = [.init(pid: dead, holder: 1, priority: .interactive, expiresAt: now.timeIntervalSince1970 + 300)]
        }
        let gate = QuotaGate(ledger: try QuotaLedgerFile(path: path))
        // The dead process's request is counted as spent (and kept as a stray for later
        // windows, not as anyone's request in flight): one permit is left.
        try await gate.acquire(.interactive)
        let book = ledger.read()
        #expect(book.liveCount == 1)
        #expect(book.leases.filter { $0.pid != QuotaBook.strayPID }.map(\.pid) == [getpid()])
        #expect(book.snapshot?.remaining == 1)
    }

    @Test func aStaleLedgerBlocksNobody() async throws {
        let path = try temporaryLedger()
        let ledger = try QuotaLedgerFile(path: path)
        let past = Date().addingTimeInterval(-120)
        ledger.update { book in
            // Spent, but the window and the 429's wait ended two minutes ago.
            book.snapshot = QuotaSnapshot(limit: 5, remaining: 0, resetAt: past, observedAt: past.addingTimeInterval(-60))
            book.blockedUntil = past
        }
        let gate = QuotaGate(ledger: try QuotaLedgerFile(path: path))
        for _ in 0..<5 { try await gate.acquire(.interactive) }
        #expect(await gate.inFlight == 5)
        #expect(ledger.read().blockedUntil == nil)
    }

    @Test func a429InOneProcessHoldsTheOthers() async throws {
        let (first, second) = try twoGates(path: try temporaryLedger())
        let now = Date()
        await first.release(observed: QuotaSnapshot(limit: 100, remaining: 50, resetAt: now.addingTimeInterval(60), observedAt: now))
        await first.noteRateLimited(retryAfter: 30)
        let waiting = Task { try await second.acquire(.interactive) }
        while await second.status.queued == 0 { await Task.yield() }
        let status = await second.status
        #expect(status.waitingUntil != nil)
        #expect(status.snapshot?.remaining == 0)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    @Test func twoClientsOnOneKeyGetNo429OverHTTP() async throws {
        try await SandboxHarness.with({ $0.rateLimit = RateLimitRule(limit: 6, window: .seconds(2)) }) { sandbox in
            let path = try temporaryLedger()
            let clients = try (0..<2).map { _ in try sandbox.client(gate: .init(ledgerPath: path)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask { _ = try await clients[index % 2].contact(email: "customer@example.com") }
                }
                try await group.waitForAll()
            }
            let stats = try await sandbox.stats()
            #expect(sandbox.count(stats, status: 429) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(stats["requests"]?["total"]?.intValue == 16)
            #expect(try QuotaLedgerFile(path: path).read().leases.isEmpty)
        }
    }

    @Test func anotherProcessesRequestsMoveTheStatusFigures() async throws {
        let (tui, other) = try twoGates(path: try temporaryLedger())
        let updates = tui.statusUpdates()
        let now = Date()
        await other.release(observed: QuotaSnapshot(limit: 100, remaining: 61, resetAt: now.addingTimeInterval(60), observedAt: now))
        for await status in updates where status.snapshot?.remaining == 61 { break }
        #expect(await tui.status.snapshot?.remaining == 61)
    }
}

/// What a 429 and an unanswered request say about the window (found by the multi-worker soak:
/// both let requests into a window that was spent).
@Suite struct QuotaBookWindowTests {
    let now = Date()
    let configuration = QuotaGate.Configuration()

    func book(remaining: Int, resetIn seconds: Double = 30) -> QuotaBook {
        var book = QuotaBook()
        book.snapshot = QuotaSnapshot(limit: 10, remaining: remaining, resetAt: now.addingTimeInterval(seconds), observedAt: now)
        return book
    }

    @Test func a429WithQuotaLeftHoldsOnlyForItsWaitAndKeepsTheWindow() {
        var book = book(remaining: 5)
        let observed = book.snapshot
        book.block(until: now.addingTimeInterval(1), observed: observed, now: now)
        // After the wait, the window is as the 429's figures said: 5 left, not a fresh 10.
        let later = now.addingTimeInterval(2)
        #expect(book.allowance(for: .interactive, now: later, configuration: configuration) == 5)
        #expect(book.spentUntil(.interactive, now: later, configuration: configuration) == nil)
    }

    @Test func a429ThatSaysSpentHoldsUntilTheResetEvenWithAShortRetryAfter() {
        var book = book(remaining: 0)
        book.block(until: now.addingTimeInterval(0), observed: book.snapshot, now: now)
        let later = now.addingTimeInterval(5)
        #expect(book.allowance(for: .interactive, now: later, configuration: configuration) == 0)
        #expect(book.spentUntil(.interactive, now: later, configuration: configuration) == now.addingTimeInterval(30.05))
    }

    @Test func a429WithoutFiguresLeavesOneProbeAtATimeAfterItsWait() {
        var book = book(remaining: 7)
        book.block(until: now.addingTimeInterval(1), observed: nil, now: now)
        #expect(book.allowance(for: .interactive, now: now, configuration: configuration) == 0)
        let later = now.addingTimeInterval(2)
        #expect(book.allowance(for: .interactive, now: later, configuration: configuration) == 1)
        book.leases = [.init(pid: 1, holder: 1, priority: .interactive, expiresAt: later.timeIntervalSince1970 + 30)]
        #expect(book.allowance(for: .interactive, now: later, configuration: configuration) <= 0)
    }

    @Test func anUnansweredRequestCountsAgainstItsWindowEvenWithTheGateOff() {
        var book = book(remaining: 3)
        book.spendUnanswered(now: now)
        #expect(book.snapshot?.remaining == 2)
        var over = self.book(remaining: 3, resetIn: -1)
        over.spendUnanswered(now: now)
        #expect(over.snapshot?.remaining == 3)  // that window is over: nothing to count against
    }

    @Test func anUnansweredRequestStaysInFlightAcrossTheResetUntilItsHorizon() {
        // The soak's case: a request of the last window loses its answer (a timeout), the window
        // resets, a probe tells 79 left, and the stray may land in the new window after that.
        var book = book(remaining: 3, resetIn: 2)
        book.leases = [.init(pid: 7, holder: 9, priority: .background, expiresAt: now.timeIntervalSince1970 + 30)]
        book.strandLease(pid: 7, holder: 9, now: now)
        #expect(book.liveCount == 0)
        // Spent in its own window: counted once there, not again as in flight.
        #expect(book.snapshot?.remaining == 2)
        #expect(book.allowance(for: .interactive, now: now, configuration: configuration) == 2)
        let next = now.addingTimeInterval(3)  // the window reset at +2
        book.merge(QuotaSnapshot(limit: 80, remaining: 79, resetAt: next.addingTimeInterval(2), observedAt: next), now: next)
        // Counted in the new window: it may land there. A probe is never held back by one.
        #expect(book.straysFromEarlierWindows == 1)
        #expect(book.allowance(for: .interactive, now: next, configuration: configuration) == 78)
        var unknown = QuotaBook()
        unknown.leases = book.leases
        #expect(unknown.allowance(for: .interactive, now: next, configuration: configuration) == 1)
        // Past its horizon it can no longer land: the whole window is free again.
        let past = now.addingTimeInterval(QuotaBook.strayHorizon + 0.5)
        book.reclaim(now: past, ownPID: 7, isAlive: { _ in true })
        #expect(book.leases.isEmpty)
        #expect(book.straysFromEarlierWindows == 0)
    }
}
