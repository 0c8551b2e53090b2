/// The body of an upsert (`POST /contacts`): create, or match by email then phone.
public struct ContactUpsert: Sendable, Hashable {
    public var email: String
    public var phone: String?
    public var customFields: [String: JSONValue]
    public var marketingConsent: MarketingConsent

    public init(email: String, phone: String? = nil, customFields: [String: JSONValue] = [:], marketingConsent: MarketingConsent = .init()) {
        self.email = email
        self.phone = phone
        self.customFields = customFields
        self.marketingConsent = marketingConsent
    }

    /// camelCase, as the request examples show; absent parts are left out.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["email": .string(email)]
        if let phone { object["phone"] = .string(phone) }
        if !customFields.isEmpty { object["customFields"] = .object(customFields) }
        if !marketingConsent.isEmpty { object["marketingConsent"] = marketingConsent.json }
        return .object(object)
    }
}

/// The body of an update by id (`PUT /contacts/{id}`): only what changed is sent. Custom fields
/// are deep merged by the server; a key set to `.null` deletes that field. Consent carries only
/// the channels that changed.
public struct ContactUpdate: Sendable, Hashable {
    public var email: String?
    public var phone: String?
    public var customFields: [String: JSONValue]
    public var marketingConsent: MarketingConsent

    public init(email: String? = nil, phone: String? = nil, customFields: [String: JSONValue] = [:], marketingConsent: MarketingConsent = .init()) {
        self.email = email
        self.phone = phone
        self.customFields = customFields
        self.marketingConsent = marketingConsent
    }

    /// Nothing to send. An empty update is still a valid request: it restores a soft-deleted contact.
    public var isEmpty: Bool { email == nil && phone == nil && customFields.isEmpty && marketingConsent.isEmpty }

    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let email { object["email"] = .string(email) }
        if let phone { object["phone"] = .string(phone) }
        if !customFields.isEmpty { object["customFields"] = .object(customFields) }
        if !marketingConsent.isEmpty { object["marketingConsent"] = marketingConsent.json }
        return .object(object)
    }
}

/// What an upsert answered. The reference shows `[{"contactId": "12345"}]`; an object, a
/// `data` envelope or a full contact are read too.
public struct UpsertResult: Sendable, Hashable {
    public var contactID: ContactID
    /// True when the server said 201 Created; false for 200 (matched) or when it did not say.
    public var created: Bool

    init(json: JSONValue, status: Int) throws {
        var value = WireShape.unwrapData(json)
        if let first = value.arrayValue?.first { value = WireShape.unwrapData(first) }
        guard let object = value.objectValue,
            let idValue = WireShape.field(object, "contactId", "contact_id", "id"),
            let id = ContactID(json: idValue)
        else {
            throw MinimoError(.decoding, status: status, message: "the upsert answer has no contact id")
        }
        contactID = id
        created = status == 201
    }
}

/// The answer to a delete: the docs show no body, so only the id asked for is certain.
public struct DeleteResult: Sendable, Hashable {
    public var contactID: ContactID
}
