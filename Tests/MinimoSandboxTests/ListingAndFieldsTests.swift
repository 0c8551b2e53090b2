import Testing

@testable import MinimoSandbox

@Suite("Listing and custom fields")
struct ListingAndFieldsTests {
    @Test("Pagination: defaults, limit 100, limit 101 and page 0 rejected, page past the end, totals")
    func pagination() async throws {
        try await withSandbox(SandboxConfiguration(contactCount: 120)) { client in
            let first = try await client.get("/public/v1/contacts").json
            #expect(first["data"]?.arrayValue?.count == 25)
            #expect(first["pagination"] == .object([
                "page": 1, "limit": 25, "total": 120, "totalPages": 5, "hasNext": true, "hasPrevious": false,
            ]))
            #expect(first["data"]?.arrayValue?.first?["id"] == .int(1))

            let full = try await client.get("/v1/contacts?limit=100&page=2").json
            #expect(full["data"]?.arrayValue?.count == 20)
            #expect(full["data"]?.arrayValue?.first?["id"] == .int(101))
            #expect(full["pagination"]?["hasNext"] == .bool(false))
            #expect(full["pagination"]?["hasPrevious"] == .bool(true))

            let tooMany = try await client.get("/public/v1/contacts?limit=101")
            #expect(tooMany.status == 400)
            #expect(tooMany.errorCode == "bad_request")
            #expect(try tooMany.json["error"]?["details"]?["field"] == "limit")
            #expect(try await client.get("/public/v1/contacts?page=0").status == 400)
            #expect(try await client.get("/public/v1/contacts?limit=abc").status == 400)

            let past = try await client.get("/public/v1/contacts?page=9&limit=50").json
            #expect(past["data"] == .array([]))
            #expect(past["pagination"]?["total"] == .int(120))
            #expect(past["pagination"]?["totalPages"] == .int(3))
            #expect(past["pagination"]?["hasNext"] == .bool(false))

            _ = try await client.send("DELETE", "/public/v1/contacts/3")
            #expect(try await client.get("/public/v1/contacts?limit=5").json["pagination"]?["total"] == .int(119))
        }
    }

    @Test("Listing can be disabled: 404 not_found")
    func listingDisabled() async throws {
        try await withSandbox(SandboxConfiguration(listingEnabled: false)) { client in
            let reply = try await client.get("/public/v1/contacts")
            #expect(reply.status == 404)
            #expect(reply.errorCode == "not_found")
            expectRateLimitHeaders(reply)
        }
    }

    @Test("Custom fields flat, grouped by category (uncategorized included) and invalid_group_by")
    func customFields() async throws {
        try await withSandbox { client in
            let flat = try await client.get("/public/v1/custom-fields").json["data"]?.arrayValue ?? []
            let company = try #require(flat.first { $0["key"] == "COMPANY" })
            #expect(company == .object([
                "id": 4, "key": "COMPANY", "displayName": "Company", "type": "text", "category": "Company Info",
                "visibility": true, "source": "Manual",
            ]))
            #expect(flat.first { $0["key"] == "PLAN" }?["values"] == .array(["free", "pro", "enterprise"]))

            let grouped = try await client.get("/public/v1/custom-fields?groupBy=category").json["data"]
            #expect(grouped?["total"] == .int(flat.count))
            let groups = grouped?["groups"]?.arrayValue ?? []
            #expect(groups.contains { $0["category"] == "Company Info" && $0["fields"]?.arrayValue?.count == 3 })
            #expect(groups.contains { $0["category"] == "uncategorized" })
            #expect(groups.reduce(0) { $0 + ($1["fields"]?.arrayValue?.count ?? 0) } == flat.count)

            let invalid = try await client.get("/public/v1/custom-fields?groupBy=type")
            #expect(invalid.status == 400)
            #expect(invalid.errorCode == "invalid_group_by")
        }
    }

    @Test("Creating a custom field: uppercased key 201, existing key 409, bad type 422")
    func createCustomField() async throws {
        try await withSandbox { client in
            let created = try await client.send(
                "POST", "/public/v1/custom-fields", body: #"{"key":"company_size","display_name":"Company Size","type":"select","category":"Company Info","values":["1-10","11-50"]}"#)
            #expect(created.status == 201)
            let data = try created.json["data"]
            #expect(data?["key"] == "COMPANY_SIZE")
            #expect(data?["displayName"] == "Company Size")
            #expect(data?["values"] == .array(["1-10", "11-50"]))
            let duplicate = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":"Company_Size","displayName":"Again","type":"text"}"#)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorCode == "duplicate_resource")
            let badType = try await client.send("POST", "/public/v1/custom-fields", body: #"{"key":"X","displayName":"X","type":"color"}"#)
            #expect(badType.status == 422)
            #expect(badType.errorCode == "validation_error")
            #expect(try await client.stats()["writesApplied"]?.intValue == 1)
        }
    }
}
