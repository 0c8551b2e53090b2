import Foundation

/// A contact as the API describes it. Reading is tolerant: snake_case or camelCase, the id as a
/// number or a string, wrapped in `{"data": ...}` or bare; unknown fields are kept in `fields`
/// (the detail view shows every field the server sent) and missing optional ones are `nil`.
public struct Contact: Sendable, Hashable {
    public var id: ContactID
    public var email: String?
    public var phone: String?
    public var status: String?
    public var source: String?
    /// Custom fields with their JSON types kept.
    public var customFields: [String: JSONValue]
    /// The company id (an integer in the docs); kept as sent.
    public var company: JSONValue?
    public var deleted: Bool
    public var externalID: String?
    public var externalConnectionID: JSONValue?
    /// `nil` when the server sent no consent at all (the documented object has none).
    public var marketingConsent: MarketingConsent?
    public var firstName: String?
    public var lastName: String?
    public var createdAt: String?
    public var updatedAt: String?
    /// Every top-level field exactly as the server sent it.
    public var fields: [String: JSONValue]

    public init(
        id: ContactID, email: String? = nil, phone: String? = nil, status: String? = nil,
        source: String? = nil, customFields: [String: JSONValue] = [:], company: JSONValue? = nil,
        deleted: Bool = false, externalID: String? = nil, externalConnectionID: JSONValue? = nil,
        marketingConsent: MarketingConsent? = nil, firstName: String? = nil, lastName: String? = nil,
        createdAt: String? = nil, updatedAt: String? = nil, fields: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.email = email
        self.phone = phone
        self.status = status
        self.source = source
        self.customFields = customFields
        self.company = company
        self.deleted = deleted
        self.externalID = externalID
        self.externalConnectionID = externalConnectionID
        self.marketingConsent = marketingConsent
        self.firstName = firstName
        self.lastName = lastName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.fields = fields
    }

    /// Reads a contact from any of the shapes the docs show.
    public init(json: JSONValue) throws {
        guard case .object(let object) = WireShape.unwrapData(json) else {
            throw MinimoError(.decoding, message: "expected a contact object")
        }
        guard let idValue = WireShape.field(object, "id", "contactId", "contact_id"),
            let id = ContactID(json: idValue)
        else {
            throw MinimoError(.decoding, message: "the contact has no id")
        }
        func text(_ names: String...) -> String? {
            for name in names { if let value = object[name]?.stringValue { return value } }
            return nil
        }
        self.id = id
        email = text("email")
        phone = text("phone", "phone_number", "phoneNumber")
        status = text("status")
        source = text("source")
        customFields = WireShape.field(object, "custom_fields", "customFields")?.objectValue ?? [:]
        company = WireShape.field(object, "company", "company_id", "companyId")
        deleted = WireShape.field(object, "deleted", "is_deleted", "isDeleted").flatMap(MarketingConsent.flag) ?? false
        externalID = text("external_id", "externalId", "externalID")
        externalConnectionID = WireShape.field(object, "external_connection_id", "externalConnectionId")
        marketingConsent = WireShape.field(object, "marketing_consent", "marketingConsent")
            .map(MarketingConsent.init(json:))
        firstName = text("first_name", "firstName")
        lastName = text("last_name", "lastName")
        createdAt = text("created_at", "createdAt")
        updatedAt = text("updated_at", "updatedAt")
        fields = object
    }

    public static func decode(_ data: Data) throws -> Contact {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw MinimoError(.decoding, message: "the contact body is not valid JSON")
        }
        return try Contact(json: json)
    }
}
