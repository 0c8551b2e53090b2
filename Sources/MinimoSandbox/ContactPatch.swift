/// The fields an upsert or update body asks to change, validated.
///
/// Requests are camelCase per the docs (`customFields`, `marketingConsent`); the snake_case
/// spellings (`custom_fields`, `marketing_consent`) are accepted too, as responses use them and a
/// client may echo them back.
struct ContactPatch: Sendable {
    /// How the phone should change.
    enum PhoneChange: Sendable, Equatable {
        case unchanged
        case remove
        case set(String)
    }

    var email: String?
    var phone: PhoneChange = .unchanged
    /// Custom fields to deep merge; a key set to null is removed.
    var customFields: [JSONMember]?
    /// Only the channels present change.
    var consentEmail: Bool?
    var consentWhatsapp: Bool?

    /// Parses a request body.
    /// - Parameter requireEmail: upsert needs an email; update does not.
    /// - Throws: `APIError` 400 for malformed JSON, 422 for invalid values.
    static func parse(body: [UInt8], requireEmail: Bool) throws(APIError) -> ContactPatch {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badRequest(body.isEmpty ? "Request body is required" : "Malformed JSON body: \(error.message)")
        }
        guard json.objectMembers != nil else { throw .badRequest("Request body must be a JSON object") }
        var patch = ContactPatch()

        switch json["email"] {
        case .string(let email)?:
            guard ContactValidation.isValidEmail(email) else {
                throw .validation("Invalid email address format", field: "email", value: .string(email))
            }
            patch.email = email
        case nil where !requireEmail:
            break
        case let other:
            throw .validation(requireEmail ? "Email is required" : "Email must be a string", field: "email", value: other ?? .null)
        }

        switch json["phone"] {
        case nil:
            break
        case .null?:
            patch.phone = requireEmail ? .unchanged : .remove
        case .string(let phone)? where ContactValidation.isValidPhone(phone):
            patch.phone = .set(phone)
        case let other?:
            throw APIError(
                status: 422, code: "invalid_phone_number",
                message: "Phone number must be in E.164 format (e.g. +393391234567)",
                details: .object(["field": "phone", "value": other]))
        }

        let fieldsKey = json["customFields"] != nil ? "customFields" : "custom_fields"
        switch json[fieldsKey] {
        case nil, .null?:
            break
        case .object(let members)?:
            patch.customFields = members
        case let other?:
            throw .validation("customFields must be an object", field: fieldsKey, value: other)
        }

        let consentKey = json["marketingConsent"] != nil ? "marketingConsent" : "marketing_consent"
        switch json[consentKey] {
        case nil, .null?:
            break
        case .object?:
            for channel in ["email", "whatsapp"] {
                switch json[consentKey]?[channel] {
                case nil: break
                case .bool(let flag)?:
                    if channel == "email" { patch.consentEmail = flag } else { patch.consentWhatsapp = flag }
                case let other?:
                    throw .validation("Marketing consent must be true or false", field: "\(consentKey).\(channel)", value: other)
                }
            }
        case let other?:
            throw .validation("marketingConsent must be an object", field: consentKey, value: other)
        }
        return patch
    }

    /// Applies everything except the email (which the caller checks for conflicts first).
    func apply(to contact: inout Contact) {
        switch phone {
        case .unchanged: break
        case .remove: contact.phone = nil
        case .set(let number): contact.phone = number
        }
        if let customFields {
            contact.customFields = Self.deepMerge(contact.customFields, customFields)
        }
        if let consentEmail { contact.marketingConsent.email = consentEmail }
        if let consentWhatsapp { contact.marketingConsent.whatsapp = consentWhatsapp }
    }

    /// Deep merge as the docs describe for custom fields: objects merge recursively, a key set to
    /// `null` is removed, anything else replaces the old value.
    static func deepMerge(_ base: [JSONMember], _ patch: [JSONMember]) -> [JSONMember] {
        var result = base
        for member in patch {
            let existing = result.firstIndex { $0.key == member.key }
            switch member.value {
            case .null:
                if let existing { result.remove(at: existing) }
            case .object(let nested):
                if let existing, case .object(let old) = result[existing].value {
                    result[existing].value = .object(deepMerge(old, nested))
                } else if let existing {
                    result[existing].value = .object(deepMerge([], nested))
                } else {
                    result.append(JSONMember(key: member.key, value: .object(deepMerge([], nested))))
                }
            default:
                if let existing {
                    result[existing].value = member.value
                } else {
                    result.append(member)
                }
            }
        }
        return result
    }
}
