import MinimoKit

/// Applies an edit to a cached contact the way the server will (custom fields deep merged, a
/// `null` removing a field, consent per channel), so the UI shows the change at once, and
/// reads the "base" values an edit touches, for conflict checks.
enum LocalEdit {
    /// The stored JSON of a contact with `update` applied, keeping the server's spelling of keys.
    static func apply(_ update: ContactUpdate, to fields: [String: JSONValue]) -> [String: JSONValue] {
        var result = fields
        if let email = update.email { result["email"] = .string(email) }
        if let phone = update.phone { result[result["phoneNumber"] != nil ? "phoneNumber" : "phone"] = .string(phone) }
        if !update.customFields.isEmpty {
            let key = result["customFields"] != nil && result["custom_fields"] == nil ? "customFields" : "custom_fields"
            result[key] = .object(merge(result[key]?.objectValue ?? [:], update.customFields))
        }
        if !update.marketingConsent.isEmpty {
            let key = result["marketingConsent"] != nil && result["marketing_consent"] == nil ? "marketingConsent" : "marketing_consent"
            var consent = result[key]?.objectValue ?? [:]
            if let email = update.marketingConsent.email { consent["email"] = .bool(email) }
            if let whatsapp = update.marketingConsent.whatsapp { consent["whatsapp"] = .bool(whatsapp) }
            result[key] = .object(consent)
        }
        result["deleted"] = .bool(false)  // an update by id restores a soft-deleted contact
        return result
    }

    /// Deep merge: nested objects merge, `null` removes, anything else replaces.
    static func merge(_ target: [String: JSONValue], _ patch: [String: JSONValue]) -> [String: JSONValue] {
        var result = target
        for (key, value) in patch {
            switch (result[key], value) {
            case (_, .null): result[key] = nil
            case (.object(let existing)?, .object(let nested)): result[key] = .object(merge(existing, nested))
            default: result[key] = value
            }
        }
        return result
    }

    /// The paths an update touches: `email`, `phone`, `customFields.KEY`, `marketingConsent.CHANNEL`.
    static func paths(of update: ContactUpdate) -> [String] {
        var paths: [String] = []
        if update.email != nil { paths.append("email") }
        if update.phone != nil { paths.append("phone") }
        paths += update.customFields.keys.sorted().map { "customFields.\($0)" }
        if update.marketingConsent.email != nil { paths.append("marketingConsent.email") }
        if update.marketingConsent.whatsapp != nil { paths.append("marketingConsent.whatsapp") }
        return paths
    }

    /// A contact's value at a path; absent is `null`.
    static func value(of contact: Contact, at path: String) -> JSONValue {
        switch path {
        case "email": return contact.email.map(JSONValue.string) ?? .null
        case "phone": return contact.phone.map(JSONValue.string) ?? .null
        case "marketingConsent.email": return contact.marketingConsent?.email.map(JSONValue.bool) ?? .null
        case "marketingConsent.whatsapp": return contact.marketingConsent?.whatsapp.map(JSONValue.bool) ?? .null
        case "deleted": return .bool(contact.deleted)
        default:
            guard path.hasPrefix("customFields.") else { return .null }
            return contact.customFields[String(path.dropFirst("customFields.".count))] ?? .null
        }
    }

    /// The base values of the fields `update` touches; for a contact deleted when the edit was
    /// made, also `deleted: true` (the update will restore it, so the server's 404 for it then is
    /// expected, not a conflict).
    static func base(of contact: Contact, for update: ContactUpdate) -> [String: JSONValue] {
        var base = Dictionary(uniqueKeysWithValues: paths(of: update).map { ($0, value(of: contact, at: $0)) })
        if contact.deleted { base["deleted"] = .bool(true) }
        return base
    }
}

extension ContactUpdate {
    /// Reads back a stored update body (the outbox keeps the JSON that will be sent).
    init(json: JSONValue) {
        self.init(
            email: json["email"]?.stringValue, phone: json["phone"]?.stringValue,
            customFields: json["customFields"]?.objectValue ?? [:],
            marketingConsent: MarketingConsent(
                email: json["marketingConsent"]?["email"]?.boolValue,
                whatsapp: json["marketingConsent"]?["whatsapp"]?.boolValue))
    }
}

extension ContactUpsert {
    init?(json: JSONValue) {
        guard let email = json["email"]?.stringValue else { return nil }
        self.init(
            email: email, phone: json["phone"]?.stringValue, customFields: json["customFields"]?.objectValue ?? [:],
            marketingConsent: MarketingConsent(
                email: json["marketingConsent"]?["email"]?.boolValue,
                whatsapp: json["marketingConsent"]?["whatsapp"]?.boolValue))
    }
}
