import Foundation
import GRDB
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache
import MinimoTestSupport

/// Outbox claims across processes (DESIGN §10): every entry is sent by exactly one store, a
/// dead or expired claim is taken over under the same idempotency key, a live one is left
/// alone, each command learns its own edit's fate, and a fresh cache opens from many places at
/// once. Two `ContactStore`s on one file behave as two processes would (each has its own claim
/// token); "other processes" are real child processes where a pid must be alive or dead.
@Suite struct OutboxClaimTests {
    static let put = "PUT /public/v1/contacts/{id}"

    @Test func twoStoresDrainingAtOnceSendEachEntryOnceAndInOrder() async throws {
        try await CacheHarness.with { harness in
            let first = try harness.store()
            let second = try harness.store()
            #expect(first.claimToken != second.claimToken)
            // 8 contacts, two edits each (round 1, then round 2), queued alternately by the two.
            var queued: [Int64] = []
            for round in 1...2 {
                for id in 1...8 {
                    let store = (id + round) % 2 == 0 ? first : second
                    let entry = try await store.queueUpdate(
                        contactID: ContactID(Int64(id)), ContactUpdate(customFields: ["round": .int(Int64(round))]))
                    queued.append(entry.seq)
                }
            }
            async let one = first.sendOutbox()
            async let two = second.sendOutbox()
            let (a, b) = await (one, two)
            #expect(a.sent + b.sent == 16, "first \(a), second \(b)")
            #expect(a.failed + b.failed + a.conflicts + b.conflicts == 0)
            #expect(a.stoppedBy == nil && b.stoppedBy == nil)
            #expect(Set(a.answers.keys).isDisjoint(with: b.answers.keys))
            #expect(try await first.outbox(states: Set(OutboxEntry.State.unsent)).isEmpty)

            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 16)
            #expect(stats["idempotentReplays"]?.intValue == 0)
            #expect(harness.requests(stats, Self.put) == 16)
            // One contact's edits arrived in the order they were made.
            let client = try harness.client()
            for id in 1...8 {
                let email = try #require(try await first.cachedContact(id: ContactID(Int64(id)))?.contact.email)
                #expect(try await client.contact(email: email).value.customFields["round"] == .int(2), "contact \(id)")
            }
            // Every entry records the answer, and which store sent it.
            for seq in queued {
                let entry = try #require(try await first.outboxEntry(seq))
                #expect(entry.state == .done)
                #expect(entry.answerStatus == 200)
                #expect(entry.answer?.status == 200)
                #expect(entry.claim?.token == (a.answers[seq] != nil ? first.claimToken : second.claimToken))
            }
        }
    }

    @Test func eachCallerLearnsItsOwnEditsFateWhoeverSentIt() async throws {
        try await CacheHarness.with { harness in
            let first = try harness.store()
            let second = try harness.store()
            var queued: [(ContactStore, Int64)] = []
            for id in 1...10 {
                let store = id % 2 == 0 ? first : second
                let entry = try await store.queueUpdate(
                    contactID: ContactID(Int64(id)), ContactUpdate(customFields: ["plan": .string("p\(id)")]))
                queued.append((store, entry.seq))
            }
            // Ten commands at once, five per store, each following its own edit.
            let outcomes = try await withThrowingTaskGroup(of: (Int64, OutboxOutcome).self) { group in
                for (store, seq) in queued {
                    group.addTask { (seq, try await store.sendOutbox(following: seq)) }
                }
                var all: [Int64: OutboxOutcome] = [:]
                for try await (seq, outcome) in group { all[seq] = outcome }
                return all
            }
            #expect(outcomes.count == 10)
            for (store, seq) in queued {
                let entry = try #require(try await store.outboxEntry(seq))
                switch outcomes[seq] {
                case .sent(let answer)?:
                    #expect(answer.status == 200)
                    #expect(entry.claim?.token == store.claimToken)
                case .sentByOtherProcess(let answer, let pid)?:
                    // Sent by the other store: the stored answer, byte for byte.
                    #expect(answer.status == 200)
                    #expect(answer.body == entry.answerBody)
                    #expect(answer.contact?.id == ContactID(Int64(seq)))
                    #expect(pid == getpid())
                    #expect(entry.claim?.token != store.claimToken)
                case let other:
                    Issue.record("entry \(seq): \(String(describing: other))")
                }
            }
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 10)
            #expect(stats["idempotentReplays"]?.intValue == 0)
        }
    }

    @Test func aClaimHeldByADeadProcessIsTakenOverAndSentOnceWithTheSameKey() async throws {
        // A pid that existed and is gone (spawned and reaped), and one above Linux's pid_max.
        let reaped = try Self.spawn("/bin/true")
        await OffPool.run { reaped.waitUntilExit() }
        for deadPID in [reaped.processIdentifier, Int32(1 << 22) + 12345] {
            try await CacheHarness.with { harness in
                let store = try harness.store()
                let entry = try await store.queueUpdate(contactID: ContactID(7), ContactUpdate(customFields: ["plan": "pro"]))
                // The dead process had claimed it, with a lease still running, and its request
                // reached the server before it died.
                try await Self.forgeClaim(
                    store, seq: entry.seq, pid: deadPID, token: "dead-process", until: harness.clock.now().addingTimeInterval(100))
                _ = try await harness.client().updateContact(
                    id: ContactID(7), ContactUpdate(customFields: ["plan": "pro"]), idempotencyKey: entry.idempotencyKey)
                let held = try #require(try await store.outboxEntry(entry.seq))
                #expect(held.claimedByOtherProcess)
                #expect(held.claim?.processIsAlive == false)

                let report = await store.sendOutbox()
                #expect(report.takenOver == 1)
                #expect(report.sent == 1)
                #expect(report.heldElsewhere.isEmpty)
                let stats = try await harness.stats()
                #expect(harness.requests(stats, Self.put) == 2)
                #expect(stats["writesApplied"]?.intValue == 1)
                #expect(stats["idempotentReplays"]?.intValue == 1, "the takeover must reuse the idempotency key")
                let done = try #require(try await store.outboxEntry(entry.seq))
                #expect(done.state == .done)
                #expect(done.attempts == 2)
                #expect(done.claim?.pid == getpid())
                #expect(done.idempotencyKey == entry.idempotencyKey)
            }
        }
    }

    @Test func aLiveProcessWithAValidLeaseIsLeftAloneAndSoAreItsContactsLaterEdits() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let held = try await store.queueUpdate(contactID: ContactID(3), ContactUpdate(customFields: ["plan": "one"]))
            let after = try await store.queueUpdate(contactID: ContactID(3), ContactUpdate(customFields: ["plan": "two"]))
            let other = try await store.queueUpdate(contactID: ContactID(4), ContactUpdate(customFields: ["plan": "free"]))
            let process = try Self.spawn("/bin/sleep", "600")
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            try await Self.forgeClaim(
                store, seq: held.seq, pid: process.processIdentifier, token: "live-process",
                until: harness.clock.now().addingTimeInterval(OutboxClaim.defaultLease))

            let report = await store.sendOutbox()
            #expect(report.sent == 1)
            #expect(report.answers[other.seq] != nil)
            #expect(report.heldElsewhere[held.seq]?.pid == process.processIdentifier)
            #expect(report.waitingBehind[after.seq] == held.seq)
            #expect(report.takenOver == 0)
            #expect(try await harness.stats()["writesApplied"]?.intValue == 1)
            let entry = try #require(try await store.outboxEntry(held.seq))
            #expect(entry.state == .sending)
            #expect(entry.claimedByOtherProcess)
            #expect(entry.claim?.processIsAlive == true)
            // `outbox retry ID` does not snatch it from a live sender either.
            await #expect(throws: MinimoError.self) { try await store.retryOutboxEntry(held.seq) }

            // The process ends: its claim is taken over at once (no need to wait for the lease),
            // and the contact's edits go out in order.
            kill(process.processIdentifier, SIGKILL)  // SIGTERM may be blocked in children of the test runner
            await OffPool.run { process.waitUntilExit() }
            let next = await store.sendOutbox()
            #expect(next.takenOver == 1)
            #expect(next.sent == 2)
            #expect(try await store.outbox(states: Set(OutboxEntry.State.unsent)).isEmpty)
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 3)
            #expect(stats["idempotentReplays"]?.intValue == 0)
            let email = try #require(try await store.cachedContact(id: ContactID(3))?.contact.email)
            #expect(try await harness.client().contact(email: email).value.customFields["plan"] == "two")
        }
    }

    @Test func anExpiredLeaseIsTakenOverAndTheLateClaimantCannotSettleIt() async throws {
        try await CacheHarness.with { harness in
            let slow = try harness.store()
            let fresh = try harness.store()
            let entry = try await slow.queueUpdate(contactID: ContactID(5), ContactUpdate(customFields: ["plan": "pro"]))
            // `slow` claims it and then takes too long (a live process: this one).
            guard case .claimed(let claimed, nil) = try await slow.claimOutboxEntry(entry.seq) else {
                Issue.record("the first claim failed")
                return
            }
            #expect(claimed.claim?.token == slow.claimToken)
            #expect(try await fresh.sendOutbox().heldElsewhere[entry.seq]?.token == slow.claimToken)
            harness.clock.advance(slow.claimLease + 1)
            let report = await fresh.sendOutbox()
            #expect(report.takenOver == 1)
            #expect(report.sent == 1)
            // Every later change by the first claimant is conditioned on still holding the claim.
            #expect(try await !slow.renewClaim(entry.seq))
            #expect(try await !slow.settleClaim(entry.seq, as: .failed, error: "late"))
            let done = try #require(try await fresh.outboxEntry(entry.seq))
            #expect(done.state == .done)
            #expect(done.claim?.token == fresh.claimToken)
            #expect(done.lastError == nil)
            #expect(try await harness.stats()["writesApplied"]?.intValue == 1)
        }
    }

    @Test func aCommandWaitsForTheProcessSendingItsEditThenReportsItsAnswer() async throws {
        try await CacheHarness.with { harness in
            let command = try harness.store()
            let other = try harness.store()
            let entry = try await command.queueUpsert(ContactUpsert(email: "waited@example.com", customFields: ["plan": "pro"]))
            // Another store (another process) claims it first; the command follows its edit.
            guard case .claimed = try await other.claimOutboxEntry(entry.seq) else {
                Issue.record("the claim failed")
                return
            }
            let following = Task { try await command.sendOutbox(following: entry.seq) }
            // The claimant now sends it (its own claim: no takeover from anyone else).
            let report = await other.sendOutbox()
            #expect(report.sent == 1)
            switch try await following.value {
            case .sentByOtherProcess(let answer, let pid):
                #expect(answer.status == 201)
                #expect(answer.created == true)
                #expect(answer.contactID == report.answers[entry.seq]?.contactID)
                #expect(answer.body == report.answers[entry.seq]?.body)
                #expect(pid == getpid())
            case let outcome:
                Issue.record("expected sentByOtherProcess, got \(outcome)")
            }
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 1)
            #expect(stats["idempotentReplays"]?.intValue == 0)
        }
    }

    @Test func aTransientFailureIsReportedWithItsCause() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-claims-offline-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let offline = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key, timeout: 2, retry: .none))
        let store = try ContactStore(client: offline, location: CacheLocation(directory: directory), profile: "offline")
        let entry = try await store.queueUpsert(ContactUpsert(email: "later@example.com"))
        guard case .deferred(let queued, let cause, let local) = try await store.sendOutbox(following: entry.seq) else {
            Issue.record("expected deferred")
            return
        }
        #expect(cause.contains("connection refused"))
        #expect(!local)
        #expect(queued.state == .pending)
        #expect(queued.claim == nil)
    }

    @Test func aFreshCacheOpensFromManyPlacesAtOnce() async throws {
        let client = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-claims-open-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        for round in 0..<12 {
            let url = root.appendingPathComponent("cache-\(round)").appendingPathComponent("test.sqlite")
            let failures = Locked<[String]>([])
            let stores = Locked<[ContactStore]>([])
            // Threads, not tasks: opening blocks while another opener holds the lock.
            DispatchQueue.concurrentPerform(iterations: 5) { _ in
                do {
                    let store = try ContactStore(client: client, databaseURL: url)
                    stores.mutate { $0.append(store) }
                } catch {
                    failures.mutate { $0.append(String(describing: error)) }
                }
            }
            #expect(failures.value.isEmpty, "round \(round): \(failures.value)")
            let opened = stores.value
            try #require(opened.count == 5)
            // Every store sees the whole schema, and an edit queued by one is seen by another.
            let entry = try await opened[0].queueUpsert(ContactUpsert(email: "round\(round)@example.com"))
            #expect(try await opened[4].outboxEntry(entry.seq)?.claim == nil)
            let migrations = try await opened[1].database.read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            // Each migration once, all of them (the migrator's own list, so a new one needs no edit here).
            #expect(migrations == CacheDatabase.migrator.migrations.sorted())
            let lockMode = try FileManager.default.attributesOfItem(atPath: url.path + ".lock")[.posixPermissions] as? Int
            #expect(lockMode == 0o600)
        }
    }

    @Test func everyConnectionWaitsForLocksAndWritesTakeTheLockFirst() async throws {
        let client = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-claims-busy-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ContactStore(client: client, databaseURL: root.appendingPathComponent("test.sqlite"))
        let expected = Int(CacheError.lockWait * 1000)
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "PRAGMA busy_timeout") } == expected)
        #expect(try await store.database.write { try Int.fetchOne($0, sql: "PRAGMA busy_timeout") } == expected)
        #expect(try await store.database.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)  // FULL
        // A write transaction begins IMMEDIATE: the write lock (with the busy wait) comes before
        // any read, so it can never fail with SQLITE_BUSY_SNAPSHOT on an upgrade.
        let statements = Locked<[String]>([])
        try await store.database.pool.writeWithoutTransaction { db in
            db.trace { event in statements.mutate { $0.append(String(describing: event)) } }
        }
        _ = try await store.queueUpsert(ContactUpsert(email: "traced@example.com"))
        try await store.database.pool.writeWithoutTransaction { db in db.trace(options: [], nil) }
        let begins = statements.value.filter { $0.uppercased().hasPrefix("BEGIN") }
        #expect(!begins.isEmpty)
        #expect(begins.allSatisfy { $0.uppercased().hasPrefix("BEGIN IMMEDIATE") }, "\(begins)")
    }

    @Test func aDatabaseErrorBecomesASentenceNamingItsCause() {
        let busy = CacheError(DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked"), path: "/c/p.sqlite")
        #expect(busy.kind == .busy)
        #expect(busy.message.contains("/c/p.sqlite"))
        #expect(busy.message.contains("locked by another process"))
        let damaged = CacheError(DatabaseError(resultCode: .SQLITE_NOTADB, message: "file is not a database"))
        #expect(damaged.kind == .damaged)
        #expect(damaged.message.contains("not a minimo cache"))
        #expect(!CacheError.sentence(for: DatabaseError(resultCode: .SQLITE_FULL)).contains("SQLite error 13"))
        #expect(CacheError.sentence(for: DatabaseError(resultCode: .SQLITE_FULL)).contains("disk"))
    }

    // MARK: - Helpers

    /// Writes a claim as another process would have: `sending`, its pid, token and lease.
    static func forgeClaim(_ store: ContactStore, seq: Int64, pid: Int32, token: String, until: Date) async throws {
        try await store.database.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = ?, claimPid = ?, claimToken = ?, claimUntil = ?,
                        attempts = attempts + 1
                    WHERE seq = ?
                    """, arguments: [OutboxEntry.State.sending, pid, token, until.timeIntervalSince1970, seq])
        }
    }

    static func spawn(_ path: String, _ arguments: String...) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// A value shared between threads, behind a lock.
private final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func mutate(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
