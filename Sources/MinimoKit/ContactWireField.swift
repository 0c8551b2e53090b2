/// The top-level fields of the API's contact object, each with every spelling the client reads
/// (the reference pages disagree: snake_case, camelCase, and `externalID` too). The one list:
/// `Contact.init(json:)` reads through it, the detail views show as "other" only the keys not
/// in it (`Contact.otherFields`), and `minimo import` skips the server-owned ones.
public enum ContactWireField: String, CaseIterable, Sendable {
    case id, email, phone, status, source, customFields, company, deleted, externalID, externalConnectionID
    case marketingConsent, firstName, lastName, createdAt, updatedAt

    /// The spellings, the preferred first: a reader takes the first present.
    public var spellings: [String] {
        switch self {
        case .id: ["id", "contactId", "contact_id"]
        case .email: ["email"]
        case .phone: ["phone", "phone_number", "phoneNumber"]
        case .status: ["status"]
        case .source: ["source"]
        case .customFields: ["custom_fields", "customFields"]
        case .company: ["company", "company_id", "companyId"]
        case .deleted: ["deleted", "is_deleted", "isDeleted"]
        case .externalID: ["external_id", "externalId", "externalID"]
        case .externalConnectionID: ["external_connection_id", "externalConnectionId", "externalConnectionID"]
        case .marketingConsent: ["marketing_consent", "marketingConsent"]
        case .firstName: ["first_name", "firstName"]
        case .lastName: ["last_name", "lastName"]
        case .createdAt: ["created_at", "createdAt"]
        case .updatedAt: ["updated_at", "updatedAt"]
        }
    }

    /// Set by the server alone: a write never sends it, and an import of an export skips it.
    /// (Email, phone, custom fields and consent are what a write sends; a top-level first or
    /// last name in an imported file is read as the custom field of that name.)
    public var serverOwned: Bool {
        switch self {
        case .email, .phone, .customFields, .marketingConsent, .firstName, .lastName: false
        case .id, .status, .source, .company, .deleted, .externalID, .externalConnectionID, .createdAt, .updatedAt: true
        }
    }

    /// Every spelling of every field.
    public static let allSpellings: Set<String> = Set(allCases.flatMap(\.spellings))

    /// The field a key spells, if any.
    public init?(spelling: String) {
        guard let field = Self.allCases.first(where: { $0.spellings.contains(spelling) }) else { return nil }
        self = field
    }

    /// The first present, non-null value of this field in `object`.
    func value(in object: [String: JSONValue]) -> JSONValue? {
        for name in spellings {
            if let value = object[name], value != .null { return value }
        }
        return nil
    }

    /// The first spelling whose value is a string.
    func text(in object: [String: JSONValue]) -> String? {
        for name in spellings {
            if let value = object[name]?.stringValue { return value }
        }
        return nil
    }
}

extension Contact {
    /// The top-level fields the server sent that no `ContactWireField` spells: what a detail
    /// view lists as "other fields".
    public var otherFields: [String: JSONValue] {
        fields.filter { !ContactWireField.allSpellings.contains($0.key) }
    }
}
