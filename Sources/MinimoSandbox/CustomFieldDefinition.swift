/// A custom field definition as `GET /custom-fields` lists it: the editor uses it to label,
/// group and validate a contact's `custom_fields`.
struct CustomFieldDefinition: Sendable, Equatable {
    /// The types the docs allow for `POST /custom-fields`.
    static let allowedTypes = ["text", "number", "boolean", "date", "datetime", "select", "json"]

    var id: Int
    /// Uppercase, as the docs say keys are stored ("will be uppercased").
    var key: String
    var displayName: String
    var type: String
    /// nil: grouped under "uncategorized".
    var category: String?
    var visibility: Bool = true
    var source: String = "Manual"
    /// Acceptable values, for select fields only.
    var values: [String]?

    /// The camelCase definition object of the docs (`values` only for select fields).
    var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "id", value: .int(id)),
            JSONMember(key: "key", value: .string(key)),
            JSONMember(key: "displayName", value: .string(displayName)),
            JSONMember(key: "type", value: .string(type)),
            JSONMember(key: "category", value: .string(category)),
            JSONMember(key: "visibility", value: .bool(visibility)),
            JSONMember(key: "source", value: .string(source)),
        ]
        if let values {
            members.append(JSONMember(key: "values", value: .array(values.map { .string($0) })))
        }
        return .object(members)
    }
}
