import Foundation
import GRDB
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache
import MinimoTestSupport

/// The outbox as bulk work needs it (issue 12): caller-given idempotency keys (queued once, never
/// sent again once done), batches queued many rows to a transaction, priorities (interactive
/// before background, one contact's edits in order), entries left to the live process that
/// queued them, drains limited to one batch, and several requests in flight at once. Against a
/// real sandbox over HTTP; "other processes" are real child processes where a pid must be alive.
@Suite struct OutboxBatchTests {
    static let upsertRoute = "POST /public/v1/contacts"

    static func applied(_ harness: CacheHarness) async throws -> [JSONValue] {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(method: "GET", url: harness.baseURL.absoluteString + "/__sandbox/applied", headers: [], body: nil),
            timeout: 10)
        return try JSONValue.parse(response.body)["writes"]?.arrayValue ?? []
    }

    /// Marks `seq` as queued by process `pid` (as another process would have written it).
    static func forgeQueuer(_ store: ContactStore, seqs: [Int64], pid: Int32) async throws {
        try await store.database.write { db in
            for seq in seqs {
                try db.execute(
                    sql: "UPDATE outbox SET queuedByPid = ?, queuedByToken = 'other-process' WHERE seq = ?", arguments: [pid, seq])
            }
        }
    }

    @Test func aCallerGivenKeyIsQueuedOnceAndNeverSentAgainOnceDone() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let options = OutboxQueueOptions(idempotencyKey: "import-test-row-1", priority: .background, batch: "import:test")
            let first = try await store.queueUpsert(ContactUpsert(email: "row1@example.com", customFields: ["plan": "pro"]), options: options)
            let again = try await store.queueUpsert(ContactUpsert(email: "row1@example.com", customFields: ["plan": "pro"]), options: options)
            #expect(again.seq == first.seq)
            #expect(first.priority == .background)
            #expect(first.batch == "import:test")
            #expect(first.queuedBy == OutboxQueuer(pid: getpid(), token: store.claimToken))
            #expect(first.idempotencyKey == "import-test-row-1")
            #expect(try await store.outbox().count == 1)

            let report = await store.sendOutbox()
            #expect(report.sent == 1)
            let done = try await store.queueUpsert(ContactUpsert(email: "row1@example.com"), options: options)
            #expect(done.seq == first.seq)
            #expect(done.state == .done)
            #expect(done.answer?.status == 201)
            #expect(await store.sendOutbox().sent == 0)
            #expect(harness.requests(try await harness.stats(), Self.upsertRoute) == 1)
        }
    }

    @Test func aBatchIsQueuedInFewTransactionsAndResumedWithoutDuplicates() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let writes = (1...2500).map { row in
                OutboxWrite(.upsert(ContactUpsert(email: "bulk\(row)@example.com", customFields: ["row": .int(Int64(row))])), idempotencyKey: "bulk-\(row)")
            }
            // Half of them first, as a run interrupted after its first transactions would leave.
            let partial = try await store.queueBatch(Array(writes.prefix(1200)), batch: "import:bulk")
            #expect(partial.queued == 1200)
            let commitsBefore = try await Self.commits(store)
            let whole = try await store.queueBatch(writes, batch: "import:bulk")
            #expect(whole.queued == 1300)
            #expect(whole.alreadyQueued == 1200)
            // 2,500 rows to a transaction of 1,000: 3 commits, not one per row.
            #expect(try await Self.commits(store) - commitsBefore <= 3)
            let counts = try await store.outboxBatchCounts("import:bulk")
            #expect(counts[.pending] == 2500)
            let states = try await store.outboxStates(idempotencyKeys: ["bulk-1", "bulk-2500", "nope"])
            #expect(states.count == 2)
            #expect(states["bulk-1"]?.state == .pending)
        }
    }

    /// Transactions that queued rows: every `queueBatch` transaction stamps its rows with one
    /// `createdAt`, so distinct stamps count commits.
    static func commits(_ store: ContactStore) async throws -> Int {
        try await store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT createdAt) FROM outbox") ?? 0
        }
    }

    @Test func interactiveEditsGoFirstAndPullEarlierEditsOfTheSameContactAlong() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            _ = try await store.sync()
            // Background: 5 upserts (the third one of contact 7's email); then an interactive
            // update of contact 7, and one of contact 8.
            let seven = try #require(try await store.cachedContact(id: ContactID(7))?.contact.email)
            var background: [Int64] = []
            for (index, email) in ["a@example.com", "b@example.com", seven, "c@example.com", "d@example.com"].enumerated() {
                background.append(try await store.queueUpsert(
                    ContactUpsert(email: email, customFields: ["wave": .int(Int64(index))]),
                    options: OutboxQueueOptions(idempotencyKey: "bg-\(index)", priority: .background, batch: "import:order")).seq)
            }
            let seventh = try await store.queueUpdate(contactID: ContactID(7), ContactUpdate(customFields: ["wave": "by hand"]))
            let eighth = try await store.queueUpdate(contactID: ContactID(8), ContactUpdate(customFields: ["plan": "free"]))
            let report = await store.sendOutbox()
            #expect(report.sent == 7, "\(report)")
            let order = try await Self.applied(harness).compactMap { $0["idempotencyKey"]?.stringValue }
            let keys = try await store.outbox(states: [.done]).reduce(into: [Int64: String]()) { $0[$1.seq] = $1.idempotencyKey }
            // Contact 7's background upsert, pulled in by its interactive edit, then that edit,
            // then the other interactive edit, then the rest of the background in queue order.
            #expect(order == [keys[background[2]]!, keys[seventh.seq]!, keys[eighth.seq]!, "bg-0", "bg-1", "bg-3", "bg-4"])
            let client = try harness.client()
            #expect(try await client.contact(email: seven).value.customFields["wave"] == "by hand")
        }
    }

    @Test func backgroundEntriesOfAnotherLiveProcessAreLeftToItUntilItDies() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            var theirs: [Int64] = []
            for row in 1...5 {
                theirs.append(try await store.queueUpsert(
                    ContactUpsert(email: "theirs\(row)@example.com"),
                    options: OutboxQueueOptions(idempotencyKey: "theirs-\(row)", priority: .background, batch: "import:theirs")).seq)
            }
            let mine = try await store.queueUpsert(ContactUpsert(email: "mine@example.com"))
            let importer = try OutboxClaimTests.spawn("/bin/sleep", "600")
            defer { if importer.isRunning { kill(importer.processIdentifier, SIGKILL) } }
            try await Self.forgeQueuer(store, seqs: theirs, pid: importer.processIdentifier)
            // What the TUI's retry loop polls: only what a drain here would take.
            #expect(try await store.sendableOutboxEntries() == [mine.seq])
            #expect(try await store.unconfirmedOutboxCount() == 6)

            let report = await store.sendOutbox()
            #expect(report.sent == 1)
            #expect(report.answers[mine.seq] != nil)
            #expect(report.leftToQueuers == 5)
            #expect(try await store.outboxBatchCounts("import:theirs")[.pending] == 5)
            // Their own drain of the batch would send them; so does anyone's once they die.
            kill(importer.processIdentifier, SIGKILL)
            await OffPool.run { importer.waitUntilExit() }
            #expect(try await store.sendableOutboxEntries() == theirs)
            let next = await store.sendOutbox()
            #expect(next.sent == 5)
            #expect(next.leftToQueuers == 0)
            #expect(try await harness.stats()["writesApplied"]?.intValue == 6)
        }
    }

    @Test func aDrainLimitedToABatchSendsOnlyItsRowsSeveralAtOnceInOrder() async throws {
        try await CacheHarness.with({ $0.rateLimit = RateLimitRule(limit: 1000, window: .seconds(60)) }) { harness in
            let store = try harness.store()
            let writes = (1...120).map { row in
                // Every tenth row edits the same contact again: its order must hold.
                let email = row % 10 == 0 ? "same@example.com" : "row\(row)@example.com"
                return OutboxWrite(.upsert(ContactUpsert(email: email, customFields: ["row": .int(Int64(row))])), idempotencyKey: "wave-\(row)")
            }
            _ = try await store.queueBatch(writes, batch: "import:waves")
            let outside = try await store.queueUpsert(ContactUpsert(email: "outside@example.com"))
            let seen = LockedValue(0)
            let report = await store.sendOutbox(
                OutboxDrainOptions(batch: "import:waves", concurrency: 4, progress: { _ in seen.mutate { $0 += 1 } }))
            #expect(report.sent == 120, "\(report)")
            #expect(seen.value == 120)
            #expect(report.stoppedBy == nil)
            #expect(try await store.outboxEntry(outside.seq)?.state == .pending)
            let applied = try await Self.applied(harness)
            #expect(applied.count == 120)
            #expect(Set(applied.compactMap { $0["idempotencyKey"]?.stringValue }).count == 120)
            let same = applied.compactMap { $0["idempotencyKey"]?.stringValue }.filter { ["wave-10", "wave-20", "wave-30", "wave-40", "wave-50", "wave-60", "wave-70", "wave-80", "wave-90", "wave-100", "wave-110", "wave-120"].contains($0) }
            #expect(same == (1...12).map { "wave-\($0 * 10)" })
            let client = try harness.client()
            #expect(try await client.contact(email: "same@example.com").value.customFields["row"] == .int(120))
        }
    }

    @Test func backgroundEntriesLeaveTheReserveAndACancelledDrainLeavesThemQueued() async throws {
        try await CacheHarness.with({ $0.rateLimit = RateLimitRule(limit: 10, window: .seconds(60)) }) { harness in
            let store = try harness.store()
            let writes = (1...10).map { OutboxWrite(.upsert(ContactUpsert(email: "slow\($0)@example.com")), idempotencyKey: "slow-\($0)") }
            _ = try await store.queueBatch(writes, batch: "import:slow")
            let drain = Task { await store.sendOutbox(OutboxDrainOptions(batch: "import:slow", concurrency: 2)) }
            // Background work keeps 20% of the limit (2 of 10): 8 go, then it waits for the reset.
            let deadline = Date().addingTimeInterval(30)
            while try await harness.stats()["writesApplied"]?.intValue ?? 0 < 8, Date() < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)  // ok: polling a condition
            }
            // An interactive lookup is served from the reserve meanwhile.
            _ = try await store.contact(email: "customer@example.com", refresh: true)
            drain.cancel()
            let report = await drain.value
            #expect(report.sent == 8, "\(report)")
            #expect(report.stoppedBy == "cancelled")
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 8)
            #expect(stats["requests"]?["byStatus"]?["429"]?.intValue ?? 0 == 0)
            let left = try await store.outbox(states: Set(OutboxEntry.State.unsent))
            #expect(left.count == 2)
            #expect(left.allSatisfy { $0.state == .pending && $0.claim == nil })
        }
    }
}

/// A value shared between tasks, behind a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func mutate(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
