/// The type of a custom field, as the definitions endpoint names it. Unknown types are kept.
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case text, number, boolean, date, datetime, select, json
    case other(String)

    public init(_ raw: String) {
        switch raw.lowercased() {
        case "text", "string": self = .text
        case "number", "numeric", "integer", "float": self = .number
        case "boolean", "bool": self = .boolean
        case "date": self = .date
        case "datetime", "date_time", "timestamp": self = .datetime
        case "select", "enum": self = .select
        case "json", "object": self = .json
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .text: "text"
        case .number: "number"
        case .boolean: "boolean"
        case .date: "date"
        case .datetime: "datetime"
        case .select: "select"
        case .json: "json"
        case .other(let raw): raw
        }
    }
}

/// A custom field definition: label, type, category and, for selects, the allowed values.
public struct CustomFieldDefinition: Sendable, Hashable {
    public var id: String?
    /// The key as defined (the docs say keys are uppercased on creation, while contacts in the
    /// docs' examples carry lowercase keys: match with `matches(key:)`, which ignores case).
    public var key: String
    public var displayName: String
    public var type: FieldType
    public var category: String?
    public var visible: Bool
    public var source: String?
    public var allowedValues: [String]

    public init(
        id: String? = nil, key: String, displayName: String? = nil, type: FieldType = .text,
        category: String? = nil, visible: Bool = true, source: String? = nil, allowedValues: [String] = []
    ) {
        self.id = id
        self.key = key
        self.displayName = displayName ?? key
        self.type = type
        self.category = category
        self.visible = visible
        self.source = source
        self.allowedValues = allowedValues
    }

    init(json: JSONValue) throws {
        guard case .object(let object) = json,
            let key = WireShape.field(object, "key", "name")?.stringValue
        else {
            throw MinimoError(.decoding, message: "a custom field definition has no key")
        }
        self.key = key
        id = WireShape.field(object, "id")?.stringValue
        displayName = WireShape.field(object, "displayName", "display_name", "label")?.stringValue ?? key
        type = WireShape.field(object, "type").flatMap(\.stringValue).map(FieldType.init) ?? .text
        category = WireShape.field(object, "category")?.stringValue
        visible = WireShape.field(object, "visibility", "visible").flatMap(MarketingConsent.flag) ?? true
        source = WireShape.field(object, "source")?.stringValue
        let values = WireShape.field(
            object, "values", "options", "acceptedValues", "accepted_values", "selectValues", "select_values")
        allowedValues = (values?.arrayValue ?? []).compactMap { item in
            item.stringValue ?? item["value"]?.stringValue ?? item["label"]?.stringValue
        }
    }

    /// Whether this definition describes a contact's custom-field key (case-insensitive).
    public func matches(key other: String) -> Bool {
        key == other || key.lowercased() == other.lowercased()
    }
}

/// Field definitions of one category, from `GET /custom-fields?groupBy=category`.
public struct CustomFieldGroup: Sendable, Hashable {
    public var category: String
    public var fields: [CustomFieldDefinition]

    public init(category: String, fields: [CustomFieldDefinition]) {
        self.category = category
        self.fields = fields
    }
}

enum CustomFieldReader {
    /// Reads the flat list; a grouped answer is flattened, so either shape works.
    static func definitions(_ json: JSONValue) throws -> [CustomFieldDefinition] {
        let inner = WireShape.unwrapData(json)
        if let items = inner.arrayValue { return try items.map(CustomFieldDefinition.init(json:)) }
        if inner["groups"] != nil { return try groups(json).flatMap(\.fields) }
        throw MinimoError(.decoding, message: "expected a list of custom field definitions")
    }

    /// Reads the grouped answer; a flat list is grouped here by its `category` field.
    static func groups(_ json: JSONValue) throws -> [CustomFieldGroup] {
        let inner = WireShape.unwrapData(json)
        if let groups = inner["groups"]?.arrayValue {
            return try groups.map { group in
                CustomFieldGroup(
                    category: group["category"]?.stringValue ?? "uncategorized",
                    fields: try (group["fields"]?.arrayValue ?? []).map(CustomFieldDefinition.init(json:)))
            }
        }
        if inner.arrayValue != nil {
            var order: [String] = []
            var byCategory: [String: [CustomFieldDefinition]] = [:]
            for definition in try definitions(json) {
                let category = definition.category ?? "uncategorized"
                if byCategory[category] == nil { order.append(category) }
                byCategory[category, default: []].append(definition)
            }
            return order.map { CustomFieldGroup(category: $0, fields: byCategory[$0] ?? []) }
        }
        throw MinimoError(.decoding, message: "expected grouped custom field definitions")
    }
}
