import Foundation
import Testing

@testable import MinimoSandbox

@Suite("Authentication and lookup by email")
struct AuthAndLookupTests {
    @Test("Missing, malformed and unaccepted keys get 401 with the envelope and rate-limit headers")
    func unauthorized() async throws {
        try await withSandbox(SandboxConfiguration(contactCount: 50, apiKeys: ["mn-acme-secret1"])) { client in
            for key: String? in [nil, "not-a-key", "mn-other-secret"] {
                let reply = try await client.get("/public/v1/contacts/by-email/customer%40example.com", key: .some(key))
                #expect(reply.status == 401)
                #expect(reply.text == #"{"error":{"code":"unauthorized","message":"Invalid or missing API key"}}"#)
                #expect(reply.header("Content-Type") == "application/json")
                expectRateLimitHeaders(reply)
                #expect(reply.header("X-RateLimit-Remaining") == "100")
            }
            #expect(try await client.get("/public/v1/contacts/by-email/customer%40example.com", key: "mn-acme-secret1").status == 200)
            #expect(try await client.get("/v1/contacts/by-email/customer%40example.com").status == 200)  // demo key always works
        }
    }

    @Test("Any mn-client-secret key is accepted when none are configured; read-only keys get 403 on writes")
    func keyShapesAndReadOnly() async throws {
        try await withSandbox { client in
            #expect(try await client.get("/public/v1/custom-fields", key: "mn-test-abc123-xyz789").status == 200)
            #expect(try await client.get("/public/v1/custom-fields", key: "mn-onlyclient").status == 401)
            let readOnly = "mn-readonly-viewer1"
            #expect(try await client.get("/public/v1/contacts/by-email/customer%40example.com", key: readOnly).status == 200)
            let write = try await client.send("PUT", "/public/v1/contacts/42", body: #"{"phone":"+393330000000"}"#, key: readOnly)
            #expect(write.status == 403)
            #expect(write.errorCode == "forbidden")
            expectRateLimitHeaders(write)
            #expect(try await client.stats()["writesApplied"]?.intValue == 0)
        }
    }

    @Test("By-email finds the docs' example contact with the documented snake_case shape")
    func byEmailFound() async throws {
        try await withSandbox { client in
            let reply = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type") == "application/json")
            expectRateLimitHeaders(reply)
            let data = try #require(try reply.json["data"])
            #expect(data["id"] == .int(42))
            #expect(data["email"] == "customer@example.com")
            #expect(data["phone"] == "+393391234567")
            #expect(data["status"] == "active")
            #expect(data["source"] == "API")
            #expect(data["custom_fields"]?["company"] == "Acme Corp")
            #expect(data["custom_fields"]?["plan"] == "enterprise")
            #expect(data["company"] == .int(1))
            #expect(data["deleted"] == .bool(false))
            #expect(data["external_id"] == .null)
            #expect(data["external_connection_id"] == .null)
            #expect(data["marketing_consent"]?["email"] != nil)
            #expect(reply.text.hasPrefix(#"{"data":{"id":42,"email":"customer@example.com","phone":"+393391234567","status":"active""#))
            // Case-insensitive, also unencoded, also under /v1.
            #expect(try await client.get("/v1/contacts/by-email/CUSTOMER%40Example.COM").status == 200)
            #expect(try await client.get("/public/v1/contacts/by-email/customer@example.com").status == 200)
        }
    }

    @Test("By-email decodes an accented email once; unknown is 404, invalid or double-encoded is 400")
    func byEmailEdges() async throws {
        try await withSandbox { client in
            let accented = try await client.get("/public/v1/contacts/by-email/jos%C3%A9.m%C3%BCller%40example.it")
            #expect(accented.status == 200)
            #expect(try accented.json["data"]?["email"] == "josé.müller@example.it")
            #expect(try accented.json["data"]?["custom_fields"]?["city"] == "Città di Castello")

            let missing = try await client.get("/public/v1/contacts/by-email/nobody%40example.com")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
            expectRateLimitHeaders(missing)

            let invalid = try await client.get("/public/v1/contacts/by-email/not-an-email")
            #expect(invalid.status == 400)
            #expect(invalid.errorCode == "bad_request")
            // %2540 decodes once to "%40": not an email, so it must not be found as customer@example.com.
            #expect(try await client.get("/public/v1/contacts/by-email/customer%2540example.com").status == 400)
        }
    }

    @Test("Unknown routes answer 404 with the envelope; a wrong method answers 405")
    func unknownRoutes() async throws {
        try await withSandbox { client in
            let unknown = try await client.get("/public/v1/templates/whatsapp")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "not_found")
            expectRateLimitHeaders(unknown)
            #expect(try await client.get("/nothing/here").status == 404)
            #expect(try await client.send("PUT", "/public/v1/contacts/abc", body: "{}").status == 404)
            let wrongMethod = try await client.get("/public/v1/contacts/42")
            #expect(wrongMethod.status == 405)
            expectRateLimitHeaders(wrongMethod)
        }
    }
}
