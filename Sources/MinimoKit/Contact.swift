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
        guard let idValue = ContactWireField.id.value(in: object), let id = ContactID(json: idValue) else {
            throw MinimoError(.decoding, message: "the contact has no id")
        }
        func text(_ field: ContactWireField) -> String? { field.text(in: object) }
        func value(_ field: ContactWireField) -> JSONValue? { field.value(in: object) }
        self.id = id
        email = text(.email)
        phone = text(.phone)
        status = text(.status)
        source = text(.source)
        customFields = value(.customFields)?.objectValue ?? [:]
        company = value(.company)
        deleted = value(.deleted).flatMap(MarketingConsent.flag) ?? false
        externalID = text(.externalID)
        externalConnectionID = value(.externalConnectionID)
        marketingConsent = value(.marketingConsent).map(MarketingConsent.init(json:))
        firstName = text(.firstName)
        lastName = text(.lastName)
        createdAt = text(.createdAt)
        updatedAt = text(.updatedAt)
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
