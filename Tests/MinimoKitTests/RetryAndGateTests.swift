import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit

@Suite struct RetryTests {
    @Test func a503ThenA200IsRetried() async throws {
        try await SandboxHarness.with { sandbox in
            let clock = RecordingClock()
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: clock, recorder: recorder)
            try await sandbox.scriptFaults([503])
            let contact = try await client.contact(email: "customer@example.com")
            #expect(contact.status == 200)
            #expect(await recorder.exchanges.map(\.status) == [503, 200])
            #expect(await recorder.exchanges.map(\.attempt) == [1, 2])
            #expect(clock.sleeps.count == 1)
            #expect(clock.sleeps[0] >= 0 && clock.sleeps[0] < 0.25)
        }
    }

    @Test func persistentServerErrorsGiveUpAfterThreeRetries() async throws {
        try await SandboxHarness.with { sandbox in
            let clock = RecordingClock()
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: clock, recorder: recorder)
            try await sandbox.scriptFaults([500, 503, "html", 500, 500])
            let error = await minimoError { _ = try await client.contact(email: "customer@example.com") }
            #expect(error?.kind == .server)
            #expect(await recorder.exchanges.count == 4)
            #expect(clock.sleeps.count == 3)
        }
    }

    @Test func a422IsNotRetried() async throws {
        try await SandboxHarness.with { sandbox in
            let clock = RecordingClock()
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: clock, recorder: recorder)
            let error = await minimoError { _ = try await client.upsertContact(ContactUpsert(email: "bad-email")) }
            #expect(error?.status == 422)
            #expect(await recorder.exchanges.count == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test func aWriteIsRetriedWithTheSameIdempotencyKeyAndAppliedOnce() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: RecordingClock(), recorder: recorder)
            try await sandbox.scriptFaults([503, "malformed"])
            _ = try await client.upsertContact(ContactUpsert(email: "retry@example.com"))
            let keys = await recorder.exchanges.map { $0.requestHeaders.value(of: "Idempotency-Key") }
            #expect(keys.count == 3)
            #expect(Set(keys).count == 1)
            #expect(keys[0] != nil)
            #expect(try await sandbox.stats()["writesApplied"]?.intValue == 1)
        }
    }

    @Test func aPostWithoutIdempotencyKeyIsNotRetriedOnANetworkError() async throws {
        // Port 9 (discard) has nothing listening here: the connection is refused. (A stopped
        // sandbox's port is no good: a parallel test may bind it again.)
        let port = 9
        let clock = RecordingClock()
        let recorder = ExchangeRecorder()
        let client = try MinimoClient(
            configuration: MinimoConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: SandboxHarness.key, timeout: 5),
            clock: clock, recorder: recorder)
        let post = await minimoError { _ = try await client.upsertContact(ContactUpsert(email: "x@example.com"), idempotencyKey: nil) }
        #expect(post?.kind == .network)
        #expect(await recorder.exchanges.count == 1)
        #expect(clock.sleeps.isEmpty)
        // The same failure on a GET is retried three times.
        let get = await minimoError { _ = try await client.contact(email: "x@example.com") }
        #expect(get?.kind == .network)
        #expect(get?.message.contains("connection refused") == true)
        #expect(await recorder.exchanges.count == 5)
        #expect(clock.sleeps.count == 3)
        #expect(await recorder.exchanges.last?.error != nil)
    }

    @Test func aWriteAnsweredWithAnUnreadable200IsSentAgainUnderItsKeyAndAppliedOnce() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: RecordingClock(), recorder: recorder)
            // A broken proxy's 200 with half a body: nothing says the server applied the write.
            try await sandbox.scriptFaults(["malformed"])
            _ = try await client.updateContact(id: "1", ContactUpdate(customFields: ["plan": "pro"]), idempotencyKey: "edit-1")
            try await sandbox.scriptFaults(["malformed"])
            _ = try await client.deleteContact(id: "2", idempotencyKey: "delete-2")
            #expect(await recorder.exchanges.map(\.status) == [200, 200, 200, 200])
            let keys = await recorder.exchanges.map { $0.requestHeaders.value(of: "Idempotency-Key") }
            #expect(keys == ["edit-1", "edit-1", "delete-2", "delete-2"])
            #expect(try await sandbox.stats()["writesApplied"]?.intValue == 2)
            // An empty answer is a valid one for a write (the update's answer is not documented).
            try await sandbox.scriptFaults([.object(["status": 200, "body_base64": ""])])
            let empty = try await client.updateContact(id: "3", ContactUpdate(customFields: ["plan": "free"]))
            #expect(empty.value == nil)
            #expect(await recorder.exchanges.count == 5)
        }
    }

    @Test func aRetryAfterShorterThanTheQuotaWindowIsTheWaitTheGateKeeps() async throws {
        try await SandboxHarness.with { sandbox in
            let clock = AdvancingClock()
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: clock, recorder: recorder)
            // A 429 while the window (100 per 60 s) has plenty left: a burst limit, another client.
            let body = Data(#"{"error":{"code":"rate_limit_exceeded","message":"Slow down","retry_after":2}}"#.utf8)
            try await sandbox.scriptFaults([.object(["status": 429, "body_base64": .string(body.base64EncodedString())])])
            _ = try await client.contact(email: "customer@example.com")
            #expect(await recorder.exchanges.map(\.status) == [429, 200])
            // The 2 s asked for, not the rest of the 60 s window.
            #expect(clock.slept >= 1.5 && clock.slept <= 3)
        }
    }

    @Test func malformedBodiesAreRetriedForReadsThenReported() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client(clock: RecordingClock(), retry: RetryPolicy(maxRetries: 1))
            try await sandbox.scriptFaults(["malformed", "malformed"])
            let error = await minimoError { _ = try await client.contact(email: "customer@example.com") }
            #expect(error?.kind == .decoding)
        }
    }
}

@Suite struct QuotaGateIntegrationTests {
    @Test func thirtyLookupsAtTenPerTwoSecondsGetNo429() async throws {
        try await SandboxHarness.with({ $0.rateLimit = RateLimitRule(limit: 10, window: .seconds(2)) }) { sandbox in
            let client = try sandbox.client()
            let emails = ["customer@example.com", "nobody-\(UUID())@example.com"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        do { _ = try await client.contact(email: emails[index % 2]) } catch let error as MinimoError where error.kind == .notFound {}
                    }
                }
                try await group.waitForAll()
            }
            let stats = try await sandbox.stats()
            #expect(sandbox.count(stats, status: 429) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(stats["requests"]?["total"]?.intValue == 30)
        }
    }

    @Test func withTheGateOffThe429IsHonouredAndRetried() async throws {
        try await SandboxHarness.with { sandbox in
            let clock = RecordingClock()
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(clock: clock, gate: .init(enabled: false), recorder: recorder)
            try await sandbox.scriptFaults([429])  // a scripted 429 carries retry_after and Retry-After
            _ = try await client.contact(email: "customer@example.com")
            let exchanges = await recorder.exchanges
            #expect(exchanges.map(\.status) == [429, 200])
            let asked = try #require(exchanges.first?.responseHeaders.value(of: "Retry-After").flatMap(Double.init))
            // The wait the server asked for was honoured (through the injected clock: no real sleep).
            #expect(clock.sleeps.count == 1)
            #expect(clock.sleeps[0] > asked - 1 && clock.sleeps[0] <= asked)
        }
    }

    @Test func quotaUpdatesArePublished() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let updates = client.quotaUpdates()
            _ = try await client.contact(email: "customer@example.com")
            var seen: QuotaSnapshot?
            for await status in updates {
                if let snapshot = status.snapshot { seen = snapshot; break }
            }
            #expect(seen?.remaining == 99)
            #expect(seen?.limit == 100)
        }
    }
}

/// A clock whose sleeps return at once and move its time forward by what they asked.
final class AdvancingClock: MinimoClock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Double = 0

    var slept: Double { lock.withLock { offset } }

    func now() -> Date { Date().addingTimeInterval(lock.withLock { offset }) }

    func sleep(seconds: Double) async throws {  // ok: virtual time, advanced not slept
        lock.withLock { offset += max(0, seconds) }
        await Task.yield()
    }
}
