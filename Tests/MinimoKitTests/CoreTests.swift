import Foundation
import Testing

@testable import MinimoKit

@Suite struct RateLimitHeaderTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func resetAsUnixTime() throws {
        let snapshot = try #require(QuotaSnapshot.parse(
            headers: [HTTPHeader("X-RateLimit-Limit", "100"), HTTPHeader("X-RateLimit-Remaining", "95"),
                      HTTPHeader("X-RateLimit-Reset", "1700000034")], now: now))
        #expect(snapshot.limit == 100)
        #expect(snapshot.remaining == 95)
        #expect(snapshot.secondsUntilReset(now: now) == 34)
        #expect(snapshot.summary(now: now) == "quota 95/100 · reset 34s")
    }

    @Test func smallResetIsSecondsFromNow() throws {
        let snapshot = try #require(QuotaSnapshot.parse(
            headers: [HTTPHeader("x-ratelimit-limit", "10"), HTTPHeader("x-ratelimit-remaining", "0"),
                      HTTPHeader("x-ratelimit-reset", "12")], now: now))
        #expect(snapshot.resetAt == now.addingTimeInterval(12))
    }

    @Test func missingOrGarbageHeadersAreIgnored() {
        #expect(QuotaSnapshot.parse(headers: [], now: now) == nil)
        #expect(QuotaSnapshot.parse(headers: [HTTPHeader("X-RateLimit-Remaining", "lots")], now: now) == nil)
        let partial = QuotaSnapshot.parse(
            headers: [HTTPHeader("X-RateLimit-Remaining", "5"), HTTPHeader("X-RateLimit-Reset", "soon")], now: now)
        #expect(partial?.remaining == 5)
        #expect(partial?.resetAt == nil)
    }
}

@Suite struct SecretAndPathTests {
    @Test func keysAreMaskedLeavingAPrefix() {
        #expect(SecretMask.mask("mn-12345-abcdefghij") == "mn-12…•••")
        #expect(SecretMask.maskAuthorization("Bearer mn-12345-abcdefghij") == "Bearer mn-12…•••")
        #expect(SecretMask.mask("short") == "•••")
        let body = Data("key=mn-12345-abcdefghij!".utf8)
        #expect(String(decoding: SecretMask.redact(body, secret: "mn-12345-abcdefghij"), as: UTF8.self) == "key=mn-12…•••!")
    }

    @Test func emailsArePercentEncodedAsOnePathSegment() {
        #expect(PathEncoding.segment("customer@example.com") == "customer%40example.com")
        #expect(PathEncoding.segment("josé+tag@città.it") == "jos%C3%A9%2Btag%40citt%C3%A0.it")
        #expect(PathEncoding.segment("a/../b") == "a%2F..%2Fb")
    }

    @Test func backoffIsCappedExponentialWithFullJitter() {
        struct Fixed: RandomSource { let value: Double; func nextUnit() -> Double { value } }
        let policy = RetryPolicy(maxRetries: 3, baseDelay: 0.5, maxDelay: 3)
        #expect(policy.backoff(attempt: 0, random: Fixed(value: 0.999)) < 0.5)
        #expect(policy.backoff(attempt: 1, random: Fixed(value: 0.5)) == 0.5)
        #expect(policy.backoff(attempt: 10, random: Fixed(value: 0.5)) == 1.5)
        #expect(policy.backoff(attempt: 2, random: Fixed(value: 0)) == 0)
    }
}

@Suite struct ConfigurationTests {
    @Test func plainHTTPIsRefusedExceptOnLoopback() throws {
        let remote = MinimoConfiguration(baseURL: URL(string: "http://api.minimo.it")!, apiKey: "mn-a-b")
        #expect(throws: MinimoError.self) { try remote.resolvedAPIBase() }
        do {
            _ = try remote.resolvedAPIBase()
        } catch let error as MinimoError {
            #expect(error.kind == .insecureURL)
            #expect(!error.message.contains("mn-a-b"))
        }
        for host in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            #expect(try MinimoConfiguration(baseURL: URL(string: host)!, apiKey: "k").resolvedAPIBase() == host + "/public/v1")
        }
    }

    @Test func apiPrefixIsAddedOnlyWhenMissing() throws {
        func base(_ text: String) throws -> String {
            try MinimoConfiguration(baseURL: URL(string: text)!, apiKey: "k").resolvedAPIBase()
        }
        #expect(try base("https://api.minimo.it") == "https://api.minimo.it/public/v1")
        #expect(try base("https://api.minimo.it/") == "https://api.minimo.it/public/v1")
        #expect(try base("https://api.minimo.it/v1") == "https://api.minimo.it/v1")
        #expect(try base("https://proxy.example/minimo/public/v1/") == "https://proxy.example/minimo/public/v1")
    }

    @Test func phonesAndEmailsAreCheckedBeforeSending() {
        #expect(ContactValidation.isValidPhone("+393391234567"))
        #expect(ContactValidation.isValidPhone("+12025551234"))
        #expect(!ContactValidation.isValidPhone("+39 339 1234567"))
        #expect(!ContactValidation.isValidPhone("3391234567"))
        #expect(!ContactValidation.isValidPhone("+0391234567"))
        #expect(!ContactValidation.isValidPhone("+3933912345678901"))
        #expect(ContactValidation.isValidEmail("customer@example.com"))
        #expect(ContactValidation.isValidEmail("josé.müller@città.it"))
        #expect(!ContactValidation.isValidEmail("invalid-email"))
        #expect(!ContactValidation.isValidEmail("a b@example.com"))
        #expect(!ContactValidation.isValidEmail("a@example"))
        #expect(!ContactValidation.isValidEmail("a@@example.com"))
    }

    @Test func updateBodyCarriesOnlyWhatChanged() {
        let update = ContactUpdate(customFields: ["plan": "pro", "old": .null], marketingConsent: .init(whatsapp: true))
        #expect(update.json.jsonText == #"{"customFields":{"old":null,"plan":"pro"},"marketingConsent":{"whatsapp":true}}"#)
        #expect(ContactUpdate().json.jsonText == "{}")
        let upsert = ContactUpsert(email: "a@b.it", phone: "+393391234567", customFields: ["seats": 3])
        #expect(upsert.json.jsonText == #"{"customFields":{"seats":3},"email":"a@b.it","phone":"+393391234567"}"#)
    }
}

@Suite struct QuotaGateTests {
    /// Polls an actor-held condition without sleeping a fixed time.
    func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<10_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return await condition()
    }

    func snapshot(limit: Int, remaining: Int, resetIn seconds: Double = 60) -> QuotaSnapshot {
        QuotaSnapshot(limit: limit, remaining: remaining, resetAt: Date().addingTimeInterval(seconds), observedAt: Date())
    }

    @Test func unknownQuotaSendsOneProbeAtATime() async throws {
        let gate = QuotaGate()
        try await gate.acquire(.interactive)
        let second = Task { try await gate.acquire(.interactive) }
        #expect(await eventually { await gate.status.queued == 1 })
        await gate.release(observed: snapshot(limit: 10, remaining: 9))
        try await second.value
        #expect(await gate.status.queued == 0)
    }

    @Test func backgroundWorkLeavesTheReserveToInteractiveRequests() async throws {
        let gate = QuotaGate(configuration: .init(backgroundReserve: 0.2))
        try await gate.acquire(.interactive)
        await gate.release(observed: snapshot(limit: 10, remaining: 2))  // reserve is 2
        let background = Task { try await gate.acquire(.background) }
        #expect(await eventually { await gate.status.queued == 1 })
        // The person at the keyboard still gets through.
        try await gate.acquire(.interactive)
        await gate.release(observed: snapshot(limit: 10, remaining: 1))
        #expect(await gate.status.queued == 1)
        background.cancel()
        await #expect(throws: CancellationError.self) { try await background.value }
    }

    @Test func nothingIsSentWhenTheWindowIsSpent() async throws {
        // Sleeps on this clock return at once and move its time on: the wait is read from it.
        let clock = AdvancingClock()
        let gate = QuotaGate(clock: clock)
        try await gate.acquire(.interactive)
        let now = clock.now()
        await gate.release(observed: QuotaSnapshot(limit: 5, remaining: 0, resetAt: now.addingTimeInterval(30), observedAt: now))
        try await gate.acquire(.interactive)  // waits for the reset, then goes
        #expect(clock.slept >= 29, "the permit came before the window's reset: after \(clock.slept) s")
        await gate.release(observed: nil)
    }
}
