import Foundation
import Testing

@testable import MinimoKit

/// One test per shape the reference pages show (samples copied from ../shared/minimo-api/).
@Suite struct WireModelTests {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    @Test func contactInDataEnvelopeFromTheByEmailPage() throws {
        let contact = try Contact(json: json("""
            {"data": {"id": 42, "email": "customer@example.com", "phone": "+393391234567",
              "status": "active", "source": "API",
              "custom_fields": {"company": "Acme Corp", "plan": "enterprise"},
              "company": 1, "deleted": false, "external_id": null, "external_connection_id": null}}
            """))
        #expect(contact.id == ContactID(42))
        #expect(contact.email == "customer@example.com")
        #expect(contact.phone == "+393391234567")
        #expect(contact.status == "active")
        #expect(contact.source == "API")
        #expect(contact.customFields == ["company": "Acme Corp", "plan": "enterprise"])
        #expect(contact.company == .int(1))
        #expect(contact.deleted == false)
        #expect(contact.externalID == nil)
        #expect(contact.marketingConsent == nil)
    }

    @Test func bareContactWithPlaceholdersFromTheSchemaSample() throws {
        let contact = try Contact(json: json("""
            {"id": 123, "email": "<string>", "phone": "<string>", "status": "<string>", "source": "<string>",
             "custom_fields": {}, "company": 123, "deleted": true, "external_id": "<string>",
             "external_connection_id": 123}
            """))
        #expect(contact.id.rawValue == "123")
        #expect(contact.deleted)
        #expect(contact.customFields.isEmpty)
        #expect(contact.externalConnectionID == .int(123))
    }

    @Test func camelCaseContactWithStringIdFromTheConventionsPage() throws {
        let contact = try Contact(json: json("""
            {"id": "cnt_abc123", "email": "customer@example.com", "firstName": "Jane", "lastName": "Doe",
             "customFields": {"company": "Acme Corp"}, "createdAt": "2025-11-13T10:30:00Z",
             "updatedAt": "2025-11-13T10:30:00Z", "marketingConsent": {"email": true}}
            """))
        #expect(contact.id.rawValue == "cnt_abc123")
        #expect(contact.firstName == "Jane")
        #expect(contact.lastName == "Doe")
        #expect(contact.customFields["company"] == "Acme Corp")
        #expect(contact.createdAt == "2025-11-13T10:30:00Z")
        #expect(contact.marketingConsent == MarketingConsent(email: true, whatsapp: nil))
    }

    @Test func missingOptionalFieldsAreTolerated() throws {
        let contact = try Contact(json: json(#"{"id": 7}"#))
        #expect(contact.email == nil)
        #expect(contact.deleted == false)
        #expect(contact.customFields.isEmpty)
    }

    @Test func unknownFieldsAreKeptNotRejected() throws {
        let contact = try Contact(json: json(#"{"id": 7, "tags": ["vip"], "score": 9.5}"#))
        #expect(contact.fields["tags"] == ["vip"])
        #expect(contact.fields["score"] == .double(9.5))
    }

    @Test func snakeCaseConsentAsTheSandboxSendsIt() throws {
        let contact = try Contact(json: json(#"{"id": 1, "marketing_consent": {"email": false, "whatsapp": null}}"#))
        #expect(contact.marketingConsent == MarketingConsent(email: false, whatsapp: nil))
    }

    @Test func contactWithoutIdIsADecodingError() throws {
        #expect(throws: MinimoError.self) { try Contact(json: json(#"{"email": "a@b.it"}"#)) }
        #expect(throws: MinimoError.self) { try Contact.decode(Data("{\"data\": {\"id\": 1".utf8)) }
    }

    @Test func customFieldValuesKeepTheirJSONTypes() throws {
        let contact = try Contact(json: json(#"{"id": 1, "custom_fields": {"n": 3, "x": 2.5, "b": true, "s": "3", "o": {"k": [1]}}}"#))
        #expect(contact.customFields["n"] == .int(3))
        #expect(contact.customFields["x"] == .double(2.5))
        #expect(contact.customFields["b"] == .bool(true))
        #expect(contact.customFields["s"] == .string("3"))
        #expect(contact.customFields["o"] == ["k": [1]])
    }

    @Test func upsertAnswerAsTheDocumentedArray() throws {
        let result = try UpsertResult(json: json(#"[{"contactId": "12345"}]"#), status: 200)
        #expect(result.contactID.rawValue == "12345")
        #expect(result.created == false)
    }

    @Test func upsertAnswerAsAnObjectOrEnvelopeOrNumber() throws {
        #expect(try UpsertResult(json: json(#"{"contactId": "42"}"#), status: 201).contactID == "42")
        #expect(try UpsertResult(json: json(#"{"data": {"id": 42}}"#), status: 201).contactID == "42")
        #expect(try UpsertResult(json: json(#"{"data": [{"contact_id": 9}]}"#), status: 200).contactID == "9")
        #expect(try UpsertResult(json: json(#"[{"contactId": "1"}]"#), status: 201).created)
        #expect(throws: MinimoError.self) { try UpsertResult(json: json("[]"), status: 200) }
    }

    @Test func errorEnvelopeWithDetails() {
        let body = Data("""
            {"error": {"code": "validation_error", "message": "Invalid email address format",
              "details": {"field": "email", "value": "invalid-email"}}}
            """.utf8)
        let error = MinimoError.fromResponse(status: 422, headers: [], body: body)
        #expect(error.kind == .validation(field: "email"))
        #expect(error.code == "validation_error")
        #expect(error.message == "Invalid email address format")
        #expect(error.details?["value"] == "invalid-email")
    }

    @Test func flatStringErrorBody() {
        let error = MinimoError.fromResponse(status: 400, headers: [], body: Data(#"{"error": "to must be an email"}"#.utf8))
        #expect(error.kind == .badRequest)
        #expect(error.message == "to must be an email")
        #expect(error.code == nil)
    }

    @Test func rateLimitBodyCarriesRetryAfter() {
        let body = Data("""
            {"error": {"code": "rate_limit_exceeded", "message": "Rate limit exceeded. Please retry after 60 seconds.", "retry_after": 60}}
            """.utf8)
        #expect(MinimoError.fromResponse(status: 429, headers: [], body: body).kind == .rateLimited(retryAfter: 60))
        // Only the header: still read.
        let headerOnly = MinimoError.fromResponse(status: 429, headers: [HTTPHeader("Retry-After", "7")], body: Data())
        #expect(headerOnly.kind == .rateLimited(retryAfter: 7))
    }

    @Test func errorCodesMapToKinds() {
        func kind(_ status: Int, _ code: String) -> MinimoError.Kind {
            MinimoError.fromResponse(
                status: status, headers: [],
                body: Data(#"{"error": {"code": "\#(code)", "message": "m"}}"#.utf8)
            ).kind
        }
        #expect(kind(401, "unauthorized") == .unauthorized)
        #expect(kind(403, "forbidden") == .forbidden)
        #expect(kind(404, "not_found") == .notFound)
        #expect(kind(422, "invalid_phone_number") == .invalidPhoneNumber)
        #expect(kind(422, "template_not_approved") == .validation(field: nil))
        #expect(kind(409, "duplicate_resource") == .conflict)
        #expect(kind(400, "bad_request") == .badRequest)
        #expect(kind(500, "internal_error") == .server)
        #expect(kind(503, "service_unavailable") == .server)
    }

    @Test func htmlAndEmptyErrorBodiesStillGiveAMessage() {
        let html = MinimoError.fromResponse(
            status: 502, headers: [HTTPHeader("Content-Type", "text/html")],
            body: Data("<html><body>Bad Gateway</body></html>".utf8))
        #expect(html.kind == .server)
        #expect(html.message.contains("HTML page"))
        let empty = MinimoError.fromResponse(status: 503, headers: [], body: Data())
        #expect(empty.message.contains("empty body"))
    }

    @Test func customFieldDefinitionsFlatWithEitherNameSpelling() throws {
        let definitions = try CustomFieldReader.definitions(json("""
            {"data": [
              {"id": 1, "key": "COMPANY_SIZE", "displayName": "Company Size", "type": "text",
               "category": "Company Info", "visibility": true, "source": "Manual"},
              {"id": 2, "key": "PLAN", "display_name": "Plan", "type": "select", "values": ["free", "pro"]}
            ]}
            """))
        #expect(definitions.count == 2)
        #expect(definitions[0].displayName == "Company Size")
        #expect(definitions[0].category == "Company Info")
        #expect(definitions[1].displayName == "Plan")
        #expect(definitions[1].type == .select)
        #expect(definitions[1].allowedValues == ["free", "pro"])
        #expect(definitions[1].matches(key: "plan"))
    }

    @Test func customFieldDefinitionsGrouped() throws {
        let grouped = try json("""
                {"data": {"groups": [
                  {"category": "Company Info", "fields": [{"id": 1, "key": "COMPANY", "displayName": "Company", "type": "text"}]},
                  {"category": "uncategorized", "fields": [{"id": 2, "key": "VIP", "displayName": "VIP", "type": "boolean"}]}
                ], "total": 2}}
                """)
        let groups = try CustomFieldReader.groups(grouped)
        #expect(groups.map(\.category) == ["Company Info", "uncategorized"])
        #expect(groups[1].fields.first?.type == .boolean)
        // The flat reader accepts the grouped shape too.
        #expect(try CustomFieldReader.definitions(grouped).map(\.key) == ["COMPANY", "VIP"])
    }

    @Test func pageFromTheConventionsSample() throws {
        let page = try ContactPage(
            json: json("""
                {"data": [{"id": "cnt_1", "email": "user1@example.com"}, {"id": "cnt_2", "email": "user2@example.com"}],
                 "pagination": {"page": 2, "limit": 50, "total": 150, "totalPages": 3, "hasNext": true, "hasPrevious": true}}
                """), requestedPage: 2, requestedLimit: 50)
        #expect(page.contacts.map(\.id.rawValue) == ["cnt_1", "cnt_2"])
        #expect(page.total == 150)
        #expect(page.totalPages == 3)
        #expect(page.hasNext)
    }

    @Test func pageWithoutPaginationBlockInfersHasNext() throws {
        let full = try ContactPage(json: json(#"[{"id": 1}, {"id": 2}]"#), requestedPage: 1, requestedLimit: 2)
        #expect(full.hasNext)
        let short = try ContactPage(json: json(#"{"data": [{"id": 1}]}"#), requestedPage: 3, requestedLimit: 2)
        #expect(!short.hasNext)
        #expect(short.page == 3)
    }
}
