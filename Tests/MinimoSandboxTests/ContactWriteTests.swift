import Testing

@testable import MinimoSandbox

@Suite("Upsert, update and delete")
struct ContactWriteTests {
    @Test("Upsert creates (201), matches by email (200) and by phone (200), answering [{contactId: string}]")
    func upsert() async throws {
        try await withSandbox { client in
            let created = try await client.send(
                "POST", "/public/v1/contacts",
                body: #"{"email":"new.person@example.com","phone":"+393401112233","customFields":{"company":"Nuova Srl"},"marketingConsent":{"email":true}}"#)
            #expect(created.status == 201)
            #expect(created.text == #"[{"contactId":"51"}]"#)
            expectRateLimitHeaders(created)

            let byEmail = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"NEW.PERSON@example.com","customFields":{"plan":"pro"}}"#)
            #expect(byEmail.status == 200)
            #expect(byEmail.text == #"[{"contactId":"51"}]"#)

            let byPhone = try await client.send("POST", "/v1/contacts/upsert", body: #"{"email":"renamed@example.com","phone":"+393401112233"}"#)
            #expect(byPhone.status == 200)
            #expect(byPhone.text == #"[{"contactId":"51"}]"#)

            let contact = try await client.get("/public/v1/contacts/by-email/renamed%40example.com").json["data"]
            #expect(contact?["id"] == .int(51))
            #expect(contact?["source"] == "API")
            #expect(contact?["custom_fields"]?["company"] == "Nuova Srl")
            #expect(contact?["custom_fields"]?["plan"] == "pro")
            #expect(contact?["marketing_consent"]?["email"] == .bool(true))
            #expect(contact?["marketing_consent"]?["whatsapp"] == .null)
            #expect(try await client.get("/public/v1/contacts/by-email/new.person%40example.com").status == 404)
            #expect(try await client.stats()["writesApplied"]?.intValue == 3)
        }
    }

    @Test("Update deep merges custom fields, removes null keys and changes only the consent channels sent")
    func updateDeepMerge() async throws {
        try await withSandbox { client in
            let setup = try await client.send(
                "PUT", "/public/v1/contacts/42",
                body: #"{"customFields":{"preferences":{"theme":"dark","language":"it"},"seats":10},"marketingConsent":{"email":true,"whatsapp":false}}"#)
            #expect(setup.status == 200)
            let reply = try await client.send(
                "PUT", "/public/v1/contacts/42",
                body: #"{"customFields":{"preferences":{"language":null,"font":"mono"},"plan":null,"city":"Perugia"},"marketingConsent":{"whatsapp":true}}"#)
            #expect(reply.status == 200)
            let data = try #require(try reply.json["data"])
            let fields = try #require(data["custom_fields"])
            #expect(fields["company"] == "Acme Corp")
            #expect(fields["plan"] == nil)
            #expect(fields["city"] == "Perugia")
            #expect(fields["seats"] == .int(10))
            #expect(fields["preferences"] == .object(["theme": "dark", "font": "mono"]))
            #expect(data["marketing_consent"] == .object(["email": true, "whatsapp": true]))
            #expect(data["phone"] == "+393391234567")
            #expect(data["email"] == "customer@example.com")
        }
    }

    @Test("Soft delete answers 404 afterwards; update by id restores")
    func softDeleteAndRestore() async throws {
        try await withSandbox { client in
            let deleted = try await client.send("DELETE", "/public/v1/contacts/42")
            #expect(deleted.status == 200)
            #expect(deleted.text == #"{"data":{"id":42,"deleted":true}}"#)
            #expect(try await client.get("/public/v1/contacts/by-email/customer%40example.com").status == 404)
            #expect(try await client.send("DELETE", "/public/v1/contacts/42").status == 404)
            #expect(try await client.send("DELETE", "/public/v1/contacts/9999").status == 404)
            let restored = try await client.send("PUT", "/public/v1/contacts/42", body: "{}")
            #expect(restored.status == 200)
            #expect(try restored.json["data"]?["deleted"] == .bool(false))
            #expect(try await client.get("/public/v1/contacts/by-email/customer%40example.com").status == 200)
            #expect(try await client.send("PUT", "/public/v1/contacts/9999", body: "{}").status == 404)
        }
    }

    @Test("Changing the email to another live contact's answers 409 duplicate_resource")
    func duplicateEmail() async throws {
        try await withSandbox { client in
            let reply = try await client.send("PUT", "/public/v1/contacts/1", body: #"{"email":"Customer@Example.com"}"#)
            #expect(reply.status == 409)
            #expect(reply.errorCode == "duplicate_resource")
            #expect(try await client.send("PUT", "/public/v1/contacts/1", body: #"{"email":"jose@example.it"}"#).status == 200)
            #expect(try await client.stats()["writesApplied"]?.intValue == 1)
        }
    }

    @Test("Validation: 422 validation_error and invalid_phone_number, 400 for malformed JSON")
    func validation() async throws {
        try await withSandbox { client in
            let badEmail = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"invalid-email"}"#)
            #expect(badEmail.status == 422)
            #expect(try badEmail.json["error"] == .object([
                "code": "validation_error", "message": "Invalid email address format",
                "details": .object(["field": "email", "value": "invalid-email"]),
            ]))
            #expect(try await client.send("POST", "/public/v1/contacts", body: #"{"phone":"+393331234567"}"#).errorCode == "validation_error")

            let badPhone = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"a@example.com","phone":"333 123 4567"}"#)
            #expect(badPhone.status == 422)
            #expect(badPhone.errorCode == "invalid_phone_number")
            #expect(try badPhone.json["error"]?["details"]?["field"] == "phone")
            #expect(try await client.send("PUT", "/public/v1/contacts/42", body: #"{"phone":"+0391234567"}"#).errorCode == "invalid_phone_number")

            let fields = try await client.send("PUT", "/public/v1/contacts/42", body: #"{"customFields":["a"]}"#)
            #expect(fields.status == 422)
            #expect(fields.errorCode == "validation_error")
            let consent = try await client.send("PUT", "/public/v1/contacts/42", body: #"{"marketingConsent":{"email":"yes"}}"#)
            #expect(consent.status == 422)
            #expect(consent.errorCode == "validation_error")

            let malformed = try await client.send("POST", "/public/v1/contacts", body: #"{"email": "a@example.com""#)
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "bad_request")
            expectRateLimitHeaders(malformed)
            #expect(try await client.stats()["writesApplied"]?.intValue == 0)
        }
    }
}
