/// A contact as the sandbox stores it, serialised exactly like the docs' contact object.
struct Contact: Sendable, Equatable {
    var id: Int
    var email: String
    var phone: String?
    var status: String
    var source: String
    /// Custom field values under lowercase keys (`company`, `plan`), as in the docs' contact
    /// example, while definitions use uppercase keys (`COMPANY`): the client matches them
    /// case-insensitively. Ordered so the output is stable.
    var customFields: [JSONMember]
    var company: Int
    var deleted: Bool
    var externalID: String?
    var externalConnectionID: Int?
    var marketingConsent: MarketingConsent

    /// The snake_case contact object of `GET /contacts/by-email/{email}`, field for field, plus
    /// `marketing_consent` (our extension; the docs do not show it).
    var json: JSONValue {
        .object([
            "id": .int(id),
            "email": .string(email),
            "phone": .string(phone),
            "status": .string(status),
            "source": .string(source),
            "custom_fields": .object(customFields),
            "company": .int(company),
            "deleted": .bool(deleted),
            "external_id": .string(externalID),
            "external_connection_id": externalConnectionID.map { .int($0) } ?? .null,
            "marketing_consent": marketingConsent.json,
        ])
    }
}
