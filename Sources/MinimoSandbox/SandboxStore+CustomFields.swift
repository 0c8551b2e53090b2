/// The custom field definition endpoints.
extension SandboxStore {
    /// `GET /custom-fields`, flat or `?groupBy=category` (fields without a category go under "uncategorized").
    func listCustomFields(query: [String: String]) throws(APIError) -> SandboxAnswer {
        guard let groupBy = query["groupBy"] else {
            return .json(200, .object(["data": .array(definitions.map(\.json))]))
        }
        guard groupBy == "category" else {
            throw APIError(
                status: 400, code: "invalid_group_by", message: "groupBy must be \"category\"",
                details: .object(["field": "groupBy", "value": .string(groupBy)]))
        }
        var order: [String] = []
        var groups: [String: [CustomFieldDefinition]] = [:]
        for definition in definitions {
            let category = definition.category ?? "uncategorized"
            if groups[category] == nil { order.append(category) }
            groups[category, default: []].append(definition)
        }
        let list = order.map { category in
            JSONValue.object(["category": .string(category), "fields": .array(groups[category, default: []].map(\.json))])
        }
        return .json(200, .object(["data": .object(["groups": .array(list), "total": .int(definitions.count)])]))
    }

    /// `POST /custom-fields`: `key` (ASCII letters, digits and `_`, stored uppercased),
    /// `displayName` (or `display_name`), `type`, optional `category`, `values` and `visibility`
    /// (a boolean). 409 when the key exists.
    func createCustomField(body: [UInt8]) throws(APIError) -> SandboxAnswer {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badRequest(body.isEmpty ? "Request body is required" : "Malformed JSON body: \(error.message)")
        }
        guard json.objectMembers != nil else { throw .badRequest("Request body must be a JSON object") }
        guard let rawKey = json["key"]?.stringValue?.trimmingWhitespace(), !rawKey.isEmpty else {
            throw .validation("key is required", field: "key", value: json["key"])
        }
        // Checked before uppercasing: "straße" or a dotless "ı" must not turn into an ASCII key.
        guard rawKey.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw .validation("key may hold only letters, digits and underscores", field: "key", value: .string(rawKey))
        }
        let key = rawKey.uppercased()
        let nameKey = json["displayName"] != nil ? "displayName" : "display_name"
        guard let displayName = json[nameKey]?.stringValue, !displayName.trimmingWhitespace().isEmpty else {
            throw .validation("displayName is required", field: "displayName", value: json[nameKey])
        }
        guard let type = json["type"]?.stringValue, CustomFieldDefinition.allowedTypes.contains(type) else {
            throw .validation(
                "type must be one of \(CustomFieldDefinition.allowedTypes.joined(separator: ", "))", field: "type", value: json["type"])
        }
        var category: String?
        switch json["category"] {
        case nil, .null?: category = nil
        case .string(let text)?: category = text.isEmpty ? nil : text
        case let other?: throw .validation("category must be a string", field: "category", value: other)
        }
        var values: [String]?
        switch json["values"] {
        case nil, .null?: values = nil
        case .array(let items)?:
            let strings = items.compactMap(\.stringValue)
            guard strings.count == items.count else { throw .validation("values must be strings", field: "values", value: .array(items)) }
            values = strings
        case let other?: throw .validation("values must be an array of strings", field: "values", value: other)
        }
        if type == "select", values == nil { values = [] }
        if type != "select" { values = nil }
        var visibility = true
        switch json["visibility"] {
        case nil, .null?: break
        case .bool(let flag)?: visibility = flag
        case let other?: throw .validation("visibility must be true or false", field: "visibility", value: other)
        }
        guard !definitions.contains(where: { $0.key == key }) else {
            throw APIError(
                status: 409, code: "duplicate_resource", message: "A custom field with key \(key) already exists",
                details: .object(["field": "key", "value": .string(key)]))
        }
        let definition = CustomFieldDefinition(
            id: (definitions.map(\.id).max() ?? 0) + 1, key: key, displayName: displayName, type: type, category: category,
            visibility: visibility, values: values)
        definitions.append(definition)
        stats.writesApplied += 1
        return .json(201, .object(["data": definition.json]))
    }
}
