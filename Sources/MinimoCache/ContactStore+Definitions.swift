import Foundation
import GRDB
import MinimoKit

/// The account's custom field definitions, cached like contacts (the TUI's editor and
/// `--field` type values with them).
extension ContactStore {
    /// Custom field definitions: cached for the TTL, fetched when older or when `refresh`.
    public func fieldDefinitions(refresh: Bool = false) async throws -> [CustomFieldDefinition] {
        let now = clock.now()
        if !refresh {
            let cached = try await storedDefinitions()
            if let fetchedAt = cached.fetchedAt, now.timeIntervalSince1970 - fetchedAt < policy.ttl { return cached.definitions }
        }
        let definitions: [CustomFieldDefinition]
        do {
            definitions = try await client.customFields().value
        } catch {
            await persistExchanges()
            throw error
        }
        await persistExchanges()
        try await storeDefinitions(definitions, fetchedAt: now)
        return definitions
    }

    /// The cached definitions, whatever their age (an import and `--field` without a network
    /// need their types, not their freshness); empty when none were ever fetched.
    public func cachedFieldDefinitions() async throws -> [CustomFieldDefinition] {
        try await storedDefinitions().definitions
    }

    /// The stored definitions in their order, and when they were fetched (nil: none stored).
    private func storedDefinitions() async throws -> (definitions: [CustomFieldDefinition], fetchedAt: Double?) {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT json, fetchedAt FROM field_definition ORDER BY position")
            let definitions = rows.compactMap { try? CustomFieldDefinition.decode(JSONValue.parse($0["json"] as Data)) }
            return (definitions, rows.first.map { $0["fetchedAt"] as Double })
        }
    }

    /// Replaces the cached definitions with `definitions`, fetched at `fetchedAt`.
    func storeDefinitions(_ definitions: [CustomFieldDefinition], fetchedAt: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM field_definition")
            for (position, definition) in definitions.enumerated() {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO field_definition(key, position, json, fetchedAt) VALUES (?, ?, ?, ?)",
                    arguments: [definition.key, position, definition.json.serialized(), fetchedAt.timeIntervalSince1970])
            }
        }
    }
}

extension CustomFieldDefinition {
    /// The stored form of a definition (camelCase, as the API documents creation).
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "key": .string(key), "displayName": .string(displayName), "type": .string(type.description),
            "visibility": .bool(visible),
        ]
        if let id { object["id"] = .string(id) }
        if let category { object["category"] = .string(category) }
        if let source { object["source"] = .string(source) }
        if !allowedValues.isEmpty { object["values"] = .array(allowedValues.map(JSONValue.string)) }
        return .object(object)
    }

    static func decode(_ json: JSONValue) throws -> CustomFieldDefinition {
        CustomFieldDefinition(
            id: json["id"]?.stringValue, key: json["key"]?.stringValue ?? "", displayName: json["displayName"]?.stringValue,
            type: FieldType(json["type"]?.stringValue ?? "text"), category: json["category"]?.stringValue,
            visible: json["visibility"]?.boolValue ?? true, source: json["source"]?.stringValue,
            allowedValues: json["values"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
