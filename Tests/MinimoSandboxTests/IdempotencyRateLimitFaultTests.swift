import Foundation
import Testing

@testable import MinimoSandbox

@Suite("Idempotency, rate limit, faults and stats")
struct IdempotencyRateLimitFaultTests {
    @Test("A repeated write with the same Idempotency-Key is replayed byte for byte and applied once")
    func idempotentReplay() async throws {
        try await withSandbox { client in
            let body = #"{"email":"once@example.com","phone":"+447700900999"}"#
            let headers = [("Idempotency-Key", "retry-1")]
            let first = try await client.send("POST", "/public/v1/contacts", body: body, headers: headers)
            #expect(first.status == 201)
            #expect(first.header("Idempotent-Replayed") == nil)
            let second = try await client.send("POST", "/public/v1/contacts", body: body, headers: headers)
            #expect(second.status == 201)
            #expect(second.body == first.body)
            #expect(second.header("Idempotent-Replayed") == "true")
            expectRateLimitHeaders(second)
            #expect(second.header("X-RateLimit-Remaining") == "98")

            let reused = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"other@example.com"}"#, headers: headers)
            #expect(reused.status == 422)
            #expect(reused.errorCode == "idempotency_key_reused")
            // Another API key has its own idempotency space.
            let otherKey = try await client.send("POST", "/public/v1/contacts", body: body, key: "mn-other-key1", headers: headers)
            #expect(otherKey.status == 200)

            let stats = try await client.stats()
            #expect(stats["writesApplied"]?.intValue == 2)
            #expect(stats["idempotentReplays"]?.intValue == 1)
            #expect(stats["requests"]?["byRoute"]?["POST /public/v1/contacts"]?.intValue == 4)
            #expect(stats["requests"]?["byStatus"]?["201"]?.intValue == 2)
        }
    }

    @Test("Limit 3 per hour: the 4th answer is 429 with retry_after and Retry-After, and counted")
    func rateLimit() async throws {
        let configuration = SandboxConfiguration(rateLimit: RateLimitRule(limit: 3, window: .seconds(3600)))
        try await withSandbox(configuration) { client in
            let before = Int(Date().timeIntervalSince1970)
            var remaining: [String?] = []
            for _ in 0..<3 {
                let reply = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
                #expect(reply.status == 200)
                expectRateLimitHeaders(reply)
                #expect(reply.header("X-RateLimit-Limit") == "3")
                remaining.append(reply.header("X-RateLimit-Remaining"))
            }
            #expect(remaining == ["2", "1", "0"])
            let limited = try await client.get("/public/v1/contacts/by-email/nobody%40example.com")
            #expect(limited.status == 429)
            expectRateLimitHeaders(limited)
            #expect(limited.header("X-RateLimit-Remaining") == "0")
            let error = try limited.json["error"]
            #expect(error?["code"] == "rate_limit_exceeded")
            let retryAfter = try #require(error?["retry_after"]?.intValue)
            #expect(retryAfter > 3500 && retryAfter <= 3600)
            #expect(limited.header("Retry-After") == String(retryAfter))
            #expect(error?["message"] == .string("Rate limit exceeded. Please retry after \(retryAfter) seconds."))
            let after = Int(Date().timeIntervalSince1970.rounded(.up))
            let reset = try #require(limited.header("X-RateLimit-Reset").flatMap(Int.init))
            // The window opened between `before` and `after` (a loaded machine may take seconds).
            #expect(reset >= before + 3600 && reset <= after + 3601)

            #expect(try await client.send("PUT", "/public/v1/contacts/42", body: "{}").status == 429)  // writes too, not applied
            #expect(try await client.get("/public/v1/custom-fields", key: "mn-second-key").status == 200)  // per key
            let unauthenticated = try await client.get("/public/v1/custom-fields", key: .some(nil))
            #expect(unauthenticated.status == 401)
            #expect(unauthenticated.header("X-RateLimit-Remaining") == "3")

            let stats = try await client.stats()
            #expect(stats["receivedWhileExhausted"]?.intValue == 2)
            #expect(stats["writesApplied"]?.intValue == 0)
            #expect(stats["requests"]?["byStatus"]?["429"]?.intValue == 2)
            #expect(stats["requests"]?["total"]?.intValue == 7)
            #expect(stats["requests"]?["byRoute"]?["GET /public/v1/contacts/by-email/{email}"]?.intValue == 4)
            _ = try await client.send("POST", "/__sandbox/reset-stats", key: .some(nil))
            #expect(try await client.stats()["requests"]?["total"]?.intValue == 0)
        }
    }

    @Test("A short window reopens after it ends")
    func windowReopens() async throws {
        // Driven by an injected clock, so no sleeping.
        final class Clock: @unchecked Sendable {
            var now = 1_700_000_000.25
        }
        let clock = Clock()
        let store = SandboxStore(
            configuration: SandboxConfiguration(contactCount: 5, rateLimit: RateLimitRule(limit: 2, window: .seconds(10))),
            demoKey: SandboxServer.demoAPIKey, clock: { clock.now })
        func get() async -> SandboxAnswer {
            let request = APIRequest(
                method: "GET", path: "/v1/custom-fields", query: nil, authorization: "Bearer mn-a-b", idempotencyKey: nil, body: [])
            let outcome = await store.handle(request)
            return outcome.answer
        }
        #expect(await get().status == 200)
        let second = await get()
        #expect(second.headers.first { $0.name == "X-RateLimit-Reset" }?.value == "1700000011")  // rounded up
        let third = await get()
        #expect(third.status == 429)
        #expect(third.headers.first { $0.name == "Retry-After" }?.value == "10")
        clock.now += 10
        let reopened = await get()
        #expect(reopened.status == 200)
        #expect(reopened.headers.first { $0.name == "X-RateLimit-Remaining" }?.value == "1")
    }

    @Test("Scripted faults answer in order, keep the rate-limit headers, and faulted writes are not applied")
    func scriptedFaults() async throws {
        try await withSandbox { client in
            let queued = try await client.send("POST", "/__sandbox/faults", body: #"{"next":[503,500,"html","malformed",429]}"#, key: .some(nil))
            #expect(queued.status == 200)
            #expect(try queued.json["queued"] == .int(5))

            let unavailable = try await client.send("PUT", "/public/v1/contacts/42", body: #"{"phone":"+393330000001"}"#)
            #expect(unavailable.status == 503)
            #expect(unavailable.errorCode == "service_unavailable")
            expectRateLimitHeaders(unavailable)
            #expect(unavailable.header("X-RateLimit-Remaining") == "99")

            let internalError = try await client.get("/public/v1/custom-fields")
            #expect(internalError.status == 500)
            #expect(internalError.errorCode == "internal_error")

            let html = try await client.get("/public/v1/custom-fields")
            #expect(html.status == 502)
            #expect(html.header("Content-Type") == "text/html")
            #expect(html.text.hasPrefix("<html>"))
            expectRateLimitHeaders(html)

            let malformed = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
            #expect(malformed.status == 200)
            #expect(throws: (any Error).self) { try malformed.json }

            let limited = try await client.get("/public/v1/custom-fields")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)

            let normal = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
            #expect(normal.status == 200)
            #expect(try normal.json["data"]?["phone"] == "+393391234567")  // the faulted PUT did not apply

            _ = try await client.send("POST", "/__sandbox/faults", body: #"{"next":[500,500]}"#, key: .some(nil))
            _ = try await client.send("DELETE", "/__sandbox/faults", key: .some(nil))
            #expect(try await client.get("/public/v1/custom-fields").status == 200)
            #expect(try await client.send("POST", "/__sandbox/faults", body: #"{"next":["boom"]}"#, key: .some(nil)).status == 400)
            #expect(try await client.stats()["writesApplied"]?.intValue == 0)
        }
    }

    @Test("Random faults follow the configured rates and the seed")
    func randomFaults() async throws {
        let faults = FaultConfiguration(errorRate: 1)
        try await withSandbox(SandboxConfiguration(faults: faults)) { client in
            for _ in 0..<4 {
                let reply = try await client.get("/public/v1/custom-fields")
                #expect([500, 503].contains(reply.status))
                expectRateLimitHeaders(reply)
            }
        }
        try await withSandbox(SandboxConfiguration(faults: FaultConfiguration(htmlRate: 1))) { client in
            let reply = try await client.get("/public/v1/custom-fields")
            #expect([502, 503].contains(reply.status))
            #expect(reply.header("Content-Type") == "text/html")
        }
        let slowAndTruncated = FaultConfiguration(slowRate: 1, slowMilliseconds: 120, malformedRate: 1)
        try await withSandbox(SandboxConfiguration(faults: slowAndTruncated)) { client in
            let start = ContinuousClock.now
            let reply = try await client.get("/public/v1/custom-fields")
            #expect(ContinuousClock.now - start >= .milliseconds(120))
            #expect(reply.status == 200)
            #expect(throws: (any Error).self) { try reply.json }
            expectRateLimitHeaders(reply)
            #expect(try await client.stats()["faultsInjected"]?.intValue == 1)
        }
    }

    @Test("Injected 429s carry the configured Retry-After while quota is left; fault rates change at run time")
    func injectedRateLimitAndRatesAtRunTime() async throws {
        let faults = FaultConfiguration(rateLimitedRate: 1, rateLimitedRetryAfter: 0)
        try await withSandbox(SandboxConfiguration(faults: faults)) { client in
            let limited = try await client.get("/public/v1/custom-fields")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "0")
            #expect(limited.errorCode == "rate_limit_exceeded")
            #expect(limited.header("X-RateLimit-Remaining") == "99")  // the quota is not what ran out

            let rates = try await client.send("PUT", "/__sandbox/fault-rates", body: #"{"rateLimitedRate":0,"errorRate":0.5}"#, key: .some(nil))
            #expect(rates.status == 200)
            #expect(number(try rates.json["rateLimitedRate"]) == 0)
            #expect(number(try rates.json["errorRate"]) == 0.5)
            #expect(number(try await client.get("/__sandbox/fault-rates", key: .some(nil)).json["errorRate"]) == 0.5)
            _ = try await client.send("PUT", "/__sandbox/fault-rates", body: #"{"errorRate":0}"#, key: .some(nil))
            #expect(try await client.get("/public/v1/custom-fields").status == 200)
            for bad in [#"{"errorRate":1.5}"#, #"{"slowMilliseconds":-1}"#, #"{"sometimes":0.1}"#, #"[0.1]"#, "{"] {
                let refused = try await client.send("PUT", "/__sandbox/fault-rates", body: bad, key: .some(nil))
                #expect(refused.status == 400, "\(bad)")
            }
            #expect(number(try await client.get("/__sandbox/fault-rates", key: .some(nil)).json["errorRate"]) == 0)
        }
    }

    @Test("The applied-writes log lists each applied write once: not replays, refusals or faulted ones")
    func appliedWritesLog() async throws {
        try await withSandbox { client in
            let body = #"{"customFields":{"plan":"pro"}}"#
            let key = [("Idempotency-Key", "edit-1")]
            #expect(try await client.send("PUT", "/public/v1/contacts/1", body: body, headers: key).status == 200)
            #expect(try await client.send("PUT", "/public/v1/contacts/1", body: body, headers: key).status == 200)  // replayed
            #expect(try await client.send("PUT", "/public/v1/contacts/1", body: #"{"phone":"nope"}"#).status == 422)
            _ = try await client.send("POST", "/__sandbox/faults", body: #"{"next":[503]}"#, key: .some(nil))
            #expect(try await client.send("DELETE", "/public/v1/contacts/2").status == 503)
            #expect(try await client.send("DELETE", "/public/v1/contacts/2").status == 200)
            #expect(try await client.send("DELETE", "/public/v1/contacts/2").status == 404)  // already gone

            let log = try await client.get("/__sandbox/applied", key: .some(nil)).json
            #expect(log["total"]?.intValue == 2)
            guard case .array(let writes)? = log["writes"] else {
                Issue.record("no writes array in \(log)")
                return
            }
            #expect(writes.count == 2)
            #expect(writes.first?["method"] == "PUT")
            #expect(writes.first?["path"] == "/public/v1/contacts/1")
            #expect(writes.first?["idempotencyKey"] == "edit-1")
            #expect(writes.first?["body"] == .string(body))
            #expect(writes.last?["method"] == "DELETE")
            #expect(writes.last?["idempotencyKey"] == .null)
            #expect(writes.last?["seq"]?.intValue == 2)
            let after = try await client.get("/__sandbox/applied?after=1", key: .some(nil)).json
            #expect(after["writes"] == .array([writes[1]]))
        }
    }
}

/// A JSON number as a Double (the sandbox writes a whole-valued rate as an integer).
private func number(_ value: JSONValue?) -> Double? {
    switch value {
    case .int(let whole)?: Double(whole)
    case .double(let fraction)?: fraction
    default: nil
    }
}
