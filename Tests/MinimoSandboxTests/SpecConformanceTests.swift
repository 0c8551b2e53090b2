import Testing

@testable import MinimoSandbox

/// Regressions for what schemathesis (`scripts/schemathesis`, against `openapi.yaml`) and probing
/// around it found the sandbox doing against its spec.
@Suite("Conformance to openapi.yaml")
struct SpecConformanceTests {
    @Test("/contacts/upsert is a POST-only path: other methods answer 405 with Allow: POST")
    func upsertAliasMethods() async throws {
        try await withSandbox { client in
            for method in ["GET", "PUT", "DELETE", "PATCH"] {
                let body: String? = method == "GET" || method == "DELETE" ? nil : #"{"email":"customer@example.com"}"#
                let reply = try await client.send(method, "/public/v1/contacts/upsert", body: body, headers: [("Idempotency-Key", "k-\(method)")])
                #expect(reply.status == 405, "\(method)")
                #expect(reply.header("Allow") == "POST", "\(method)")
                #expect(reply.errorCode == "method_not_allowed", "\(method)")
                expectRateLimitHeaders(reply)
            }
            let created = try await client.send("POST", "/v1/contacts/upsert", body: #"{"email":"alias@example.com"}"#)
            #expect(created.status == 201)
            #expect(try await client.stats()["writesApplied"]?.intValue == 1)
        }
    }

    @Test("A body over 4 MiB answers 413 payload_too_large in the envelope with the rate-limit headers, not an empty 500")
    func bodyTooLarge() async throws {
        try await withSandbox { client in
            let padding = String(repeating: "a", count: SandboxRequestHandler.maxBodyBytes)
            let reply = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"big@example.com","notes":"\#(padding)"}"#)
            #expect(reply.status == 413)
            #expect(reply.header("Content-Type") == "application/json")
            #expect(reply.errorCode == "payload_too_large")
            expectRateLimitHeaders(reply)
            let stats = try await client.stats()
            #expect(stats["writesApplied"]?.intValue == 0)
            #expect(stats["requests"]?["byStatus"]?["413"]?.intValue == 1)
            // Nothing was applied, the server goes on serving, and a large body under the limit is read.
            #expect(try await client.get("/public/v1/contacts/by-email/big%40example.com").status == 404)
            let large = String(repeating: "b", count: 256 * 1024)
            let under = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"big@example.com","customFields":{"notes":"\#(large)"}}"#)
            #expect(under.status == 201)
        }
    }

    @Test("Custom field visibility must be a boolean; null or absent means true")
    func customFieldVisibility() async throws {
        try await withSandbox { client in
            for visibility in ["1", "-1065", #""yes""#, "{}"] {
                let reply = try await client.send(
                    "POST", "/public/v1/custom-fields", body: #"{"key":"V1","displayName":"V","type":"text","visibility":\#(visibility)}"#)
                #expect(reply.status == 422, "visibility \(visibility)")
                #expect(reply.errorCode == "validation_error")
                #expect(try reply.json["error"]?["details"]?["field"] == "visibility")
            }
            let hidden = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":"V2","displayName":"V","type":"text","visibility":false}"#)
            #expect(hidden.status == 201)
            #expect(try hidden.json["data"]?["visibility"] == .bool(false))
            let null = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":"V3","displayName":"V","type":"text","visibility":null}"#)
            #expect(null.status == 201)
            #expect(try null.json["data"]?["visibility"] == .bool(true))
            #expect(try await client.stats()["writesApplied"]?.intValue == 2)
        }
    }

    @Test("Custom field keys are checked before uppercasing: ß, ı and ſ do not become ASCII")
    func customFieldKeyBeforeUppercasing() async throws {
        try await withSandbox { client in
            for key in ["straße", "ı", "ſ", "ﬁ", "plan-b"] {
                let reply = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":"\#(key)","displayName":"K","type":"text"}"#)
                #expect(reply.status == 422, "key \(key)")
                #expect(try reply.json["error"]?["details"]?["field"] == "key")
            }
            let trimmed = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":" plan_b\t","displayName":"Plan B","type":"text"}"#)
            #expect(trimmed.status == 201)
            #expect(try trimmed.json["data"]?["key"] == "PLAN_B")
        }
    }

    @Test("Contact ids, page and limit are plain decimal digits: a sign is not a number")
    func decimalDigitsOnly() async throws {
        try await withSandbox { client in
            #expect(try await client.send("PUT", "/public/v1/contacts/+42", body: #"{"phone":"+393330000000"}"#).status == 404)
            #expect(try await client.send("DELETE", "/public/v1/contacts/%2B42").status == 404)
            #expect(try await client.send("PUT", "/public/v1/contacts/-0", body: "{}").status == 404)
            #expect(try await client.stats()["writesApplied"]?.intValue == 0)
            #expect(try await client.send("PUT", "/public/v1/contacts/42", body: #"{"phone":"+393330000000"}"#).status == 200)

            for query in ["page=%2B1", "limit=%2B5", "limit=-0", "page="] {
                let reply = try await client.get("/public/v1/contacts?\(query)")
                #expect(reply.status == 400, "\(query)")
                #expect(reply.errorCode == "bad_request")
            }
            #expect(try await client.get("/public/v1/contacts?page=1&limit=5").status == 200)
        }
    }
}
