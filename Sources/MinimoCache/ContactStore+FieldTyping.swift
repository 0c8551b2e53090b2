import Foundation
import GRDB
import MinimoKit

/// A custom field value its definition refuses (`seats=abc` for a number field): nothing is
/// queued. Names the field, the definition's type and the value.
public struct FieldValueRefused: Error, Sendable, CustomStringConvertible {
    /// The key as given.
    public var key: String
    public var definition: CustomFieldDefinition
    /// The value as given.
    public var value: String
    /// What the type expects (`a number is expected, like 42 or 3.5`).
    public var reason: String

    public var description: String {
        let defined = definition.key == key ? "" : " (defined as \(definition.key))"
        return "field '\(key)'\(defined) is a \(definition.type) field: '\(value)' is refused: \(reason)"
    }
}

extension ContactStore {
    /// Custom field values given as text (`--field KEY=VALUE`), as the JSON to send: each checked
    /// and typed against its field's definition, the way the TUI's editor does it (see
    /// `FieldValueParser.parseArgument`). Throws ``FieldValueRefused`` for the first value a
    /// definition refuses (keys in order), before anything is queued.
    ///
    /// The definitions come from the cache when fresh, else from one `GET /custom-fields`;
    /// when that request fails, definitions cached earlier (of any age) still check the values,
    /// and with none cached its error is thrown, saying what it stopped.
    public func typedFieldValues(_ texts: [String: String]) async throws -> [String: JSONValue] {
        guard !texts.isEmpty else { return [:] }
        let definitions: [CustomFieldDefinition]
        do {
            definitions = try await fieldDefinitions()
        } catch var error as MinimoError {
            let cached = try await cachedFieldDefinitions()
            guard cached.isEmpty else { return try Self.typed(texts, definitions: cached) }
            error.message = "cannot check the custom field values against their definitions: \(error.message)"
            throw error
        }
        return try Self.typed(texts, definitions: definitions)
    }

    static func typed(_ texts: [String: String], definitions: [CustomFieldDefinition]) throws -> [String: JSONValue] {
        var typed: [String: JSONValue] = [:]
        for key in texts.keys.sorted() {
            let text = texts[key]!
            let definition = definitions.first { $0.matches(key: key) }
            switch FieldValueParser.parseArgument(text, definition: definition) {
            case .success(let value):
                typed[key] = value
            case .failure(let error):
                throw FieldValueRefused(key: key, definition: definition ?? CustomFieldDefinition(key: key), value: text, reason: error.message)
            }
        }
        return typed
    }
}
