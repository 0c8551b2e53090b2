import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit

/// Every endpoint and error code against the sandbox over HTTP on 127.0.0.1.
@Suite struct EndpointTests {
    @Test func lookUpByEmailReadsTheDocumentedContact() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let response = try await client.contact(email: "customer@example.com")
            #expect(response.status == 200)
            #expect(response.value.email == "customer@example.com")
            #expect(response.value.customFields["company"] == "Acme Corp")
            #expect(response.quota?.limit == 100)
            #expect(response.quota?.remaining == 99)
            // --json prints the exact body: it is the server's bytes, envelope included.
            #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("{"))
            #expect(try JSONValue.parse(response.body)["data"] != nil)
        }
    }

    @Test func unknownEmailIsNotFoundAndBadEmailIsBadRequest() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let missing = await minimoError { _ = try await client.contact(email: "nobody@example.com") }
            #expect(missing?.kind == .notFound)
            #expect(missing?.code == "not_found")
            let bad = await minimoError { _ = try await client.contact(email: "not-an-email") }
            #expect(bad?.kind == .badRequest)
            #expect(bad?.status == 400)
        }
    }

    @Test func badKeyIsUnauthorizedAndReadOnlyKeyCannotWrite() async throws {
        try await SandboxHarness.with { sandbox in
            let stranger = try sandbox.client(key: "not-a-minimo-key")
            let unauthorized = await minimoError { _ = try await stranger.contact(email: "customer@example.com") }
            #expect(unauthorized?.kind == .unauthorized)
            #expect(unauthorized?.status == 401)
            let readOnly = try sandbox.client(key: "mn-readonly-abcdefghij")
            _ = try await readOnly.contact(email: "customer@example.com")
            let forbidden = await minimoError { _ = try await readOnly.upsertContact(ContactUpsert(email: "new@example.com")) }
            #expect(forbidden?.kind == .forbidden)
        }
    }

    @Test func upsertCreatesThenMatchesByEmailThenByPhone() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let created = try await client.upsertContact(
                ContactUpsert(email: "nuovo@example.it", phone: "+393331112223", customFields: ["plan": "pro"]))
            #expect(created.value.created)
            #expect(created.status == 201)
            let byEmail = try await client.upsertContact(ContactUpsert(email: "NUOVO@example.it", customFields: ["seats": 4]))
            #expect(!byEmail.value.created)
            #expect(byEmail.value.contactID == created.value.contactID)
            // Matched by phone: the contact takes the email sent (the sandbox's reading of "upsert").
            let byPhone = try await client.upsertContact(ContactUpsert(email: "other@example.it", phone: "+393331112223"))
            #expect(byPhone.value.contactID == created.value.contactID)
            let read = try await client.contact(email: "other@example.it").value
            #expect(read.customFields["plan"] == "pro")
            #expect(read.customFields["seats"] == .int(4))
        }
    }

    @Test func updateDeepMergesCustomFieldsAndConsentPerChannel() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let id = try await client.upsertContact(ContactUpsert(
                email: "merge@example.com",
                customFields: ["plan": "free", "prefs": ["lang": "it", "tz": "Europe/Rome"], "notes": "x"],
                marketingConsent: .init(email: true, whatsapp: false))).value.contactID
            let updated = try await client.updateContact(
                id: id,
                ContactUpdate(customFields: ["plan": "pro", "prefs": ["lang": "en"], "notes": .null],
                              marketingConsent: .init(whatsapp: true)))
            let contact = try #require(updated.value)
            #expect(contact.customFields["plan"] == "pro")
            #expect(contact.customFields["prefs"] == ["lang": "en", "tz": "Europe/Rome"])
            #expect(contact.customFields["notes"] == nil)
            #expect(contact.marketingConsent == MarketingConsent(email: true, whatsapp: true))
        }
    }

    @Test func deleteIsSoftAndUpdateRestores() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let id = try await client.contact(email: "customer@example.com").value.id
            _ = try await client.deleteContact(id: id)
            let gone = await minimoError { _ = try await client.contact(email: "customer@example.com") }
            #expect(gone?.kind == .notFound)
            let again = await minimoError { _ = try await client.deleteContact(id: id) }
            #expect(again?.kind == .notFound)
            _ = try await client.updateContact(id: id, ContactUpdate())
            #expect(try await client.contact(email: "customer@example.com").value.deleted == false)
            let unknown = await minimoError { _ = try await client.updateContact(id: "999999", ContactUpdate(phone: "+393331234567")) }
            #expect(unknown?.kind == .notFound)
        }
    }

    @Test func validationErrorsNameTheField() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let email = await minimoError { _ = try await client.upsertContact(ContactUpsert(email: "invalid-email")) }
            #expect(email?.kind == .validation(field: "email"))
            #expect(email?.status == 422)
            let phone = await minimoError { _ = try await client.upsertContact(ContactUpsert(email: "p@example.com", phone: "339 123")) }
            #expect(phone?.kind == .invalidPhoneNumber)
            #expect(phone?.code == "invalid_phone_number")
        }
    }

    @Test func changingEmailToOneInUseIsAConflict() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let id = try await client.upsertContact(ContactUpsert(email: "first@example.com")).value.contactID
            let conflict = await minimoError { _ = try await client.updateContact(id: id, ContactUpdate(email: "customer@example.com")) }
            #expect(conflict?.kind == .conflict)
            #expect(conflict?.status == 409)
        }
    }

    @Test func listingPagesThroughEveryContactAndRejectsOversizePages() async throws {
        try await SandboxHarness.with({ $0.contactCount = 250 }) { sandbox in
            let client = try sandbox.client()
            var ids: Set<ContactID> = []
            var page = 1
            var requests = 0
            while true {
                let answer = try await client.listContacts(page: page, limit: 100).value
                requests += 1
                ids.formUnion(answer.contacts.map(\.id))
                #expect(answer.total == 250)
                guard answer.hasNext else { break }
                page += 1
            }
            #expect(ids.count == 250)
            #expect(requests == 3)
            let past = try await client.listContacts(page: 99, limit: 100).value
            #expect(past.contacts.isEmpty)
            #expect(!past.hasNext)
            let oversize = await minimoError { _ = try await client.listContacts(page: 1, limit: 101) }
            #expect(oversize?.kind == .badRequest)
        }
    }

    @Test func missingListingSaysSo() async throws {
        try await SandboxHarness.with({ $0.listingEnabled = false }) { sandbox in
            let client = try sandbox.client()
            let error = await minimoError { _ = try await client.listContacts(page: 1) }
            #expect(error?.kind == .listingNotAvailable)
            #expect(error?.message.contains("listing not available") == true)
        }
    }

    @Test func customFieldDefinitionsFlatAndGrouped() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let flat = try await client.customFields().value
            #expect(flat.contains { $0.matches(key: "plan") && $0.type == .select && !$0.allowedValues.isEmpty })
            let groups = try await client.customFieldGroups().value
            #expect(groups.flatMap(\.fields).count == flat.count)
            #expect(Set(groups.map(\.category)).count == groups.count)
        }
    }

    @Test func aRepeatedIdempotencyKeyIsAppliedOnce() async throws {
        try await SandboxHarness.with { sandbox in
            let client = try sandbox.client()
            let upsert = ContactUpsert(email: "once@example.com", customFields: ["seats": 1])
            let first = try await client.upsertContact(upsert, idempotencyKey: "write-1")
            let second = try await client.upsertContact(upsert, idempotencyKey: "write-1")
            #expect(first.value.contactID == second.value.contactID)
            #expect(first.body == second.body)
            #expect(second.exchange.responseHeaders.value(of: "Idempotent-Replayed") == "true")
            let stats = try await sandbox.stats()
            #expect(stats["idempotentReplays"]?.intValue == 1)
            #expect(stats["writesApplied"]?.intValue == 1)
        }
    }

    @Test func rawExchangesAreRecordedWithTheKeyMasked() async throws {
        try await SandboxHarness.with { sandbox in
            let recorder = ExchangeRecorder()
            let client = try sandbox.client(recorder: recorder)
            _ = try await client.contact(email: "customer@example.com")
            let exchange = try #require(await recorder.last)
            #expect(exchange.method == "GET")
            #expect(exchange.path == "/public/v1/contacts/by-email/customer%40example.com")
            #expect(exchange.status == 200)
            #expect(exchange.requestHeaders.value(of: "Authorization") == "Bearer mn-te…•••")
            #expect(exchange.quotaAfter?.remaining == 99)
            let encoded = try JSONEncoder().encode(exchange)
            #expect(String(decoding: encoded, as: UTF8.self).contains(SandboxHarness.key) == false)
        }
    }
}
