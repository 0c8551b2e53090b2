import Foundation

/// Turns text (what was typed in the TUI's line editor, a cell of a file `minimo import`
/// reads) into a JSON value of the field's type, and back. The type comes from the field
/// definition; for a key with no definition it is taken from the value it held, so a number
/// stays a number after an edit. One parser for the TUI and the CLI, so a value the editor
/// accepts is a value an import accepts, typed the same way.
public enum FieldValueParser {
    /// The text the editor starts with: strings bare, everything else as JSON.
    public static func editableText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .null: return ""
        default: return value.jsonText
        }
    }

    public static func parse(_ text: String, definition: CustomFieldDefinition?, original: JSONValue?) -> Result<JSONValue, FieldValueError> {
        let type = definition?.type ?? inferredType(original)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .number:
            if let integer = Int64(trimmed) { return .success(.int(integer)) }
            if let number = Double(trimmed), number.isFinite { return .success(.double(number)) }
            return .failure(FieldValueError("a number is expected, like 42 or 3.5"))
        case .boolean:
            switch trimmed.lowercased() {
            case "true", "yes", "on", "1": return .success(.bool(true))
            case "false", "no", "off", "0": return .success(.bool(false))
            default: return .failure(FieldValueError("true or false is expected"))
            }
        case .date:
            guard isDate(trimmed) else { return .failure(FieldValueError("a date is expected, as YYYY-MM-DD")) }
            return .success(.string(trimmed))
        case .datetime:
            guard ISO8601DateFormatter().date(from: trimmed) != nil || isDate(String(trimmed.prefix(10))) && trimmed.count == 10
            else { return .failure(FieldValueError("a date and time is expected, as 2025-11-13T10:30:00Z")) }
            return .success(.string(trimmed))
        case .select:
            let allowed = definition?.allowedValues ?? []
            guard allowed.isEmpty || allowed.contains(trimmed) else {
                return .failure(FieldValueError("one of: " + allowed.joined(separator: ", ")))
            }
            return .success(.string(trimmed))
        case .json:
            guard let value = try? JSONValue.parse(Data(text.utf8)) else {
                return .failure(FieldValueError("valid JSON is expected, like {\"key\": \"value\"}"))
            }
            return .success(value)
        case .text, .other:
            return .success(.string(text))
        }
    }

    /// A value given as `KEY=VALUE` text on the command line. With a definition, it is read as
    /// the editor reads it (a number field takes `42`, a date `2025-11-13`...), a quoted JSON
    /// string standing for its content (`'zip="00184"'` is the text 00184). Without one, and for
    /// a type minimo does not know, it is JSON when it is valid JSON, else text. `null` deletes.
    public static func parseArgument(_ text: String, definition: CustomFieldDefinition?) -> Result<JSONValue, FieldValueError> {
        let json = try? JSONValue.parse(Data(text.utf8))
        if json == .null { return .success(.null) }
        guard let definition else { return .success(json ?? .string(text)) }
        switch definition.type {
        case .json:
            return parse(text, definition: definition, original: nil)
        case .other:
            return .success(json ?? .string(text))
        case .text:
            if case .string(let inner)? = json { return .success(.string(inner)) }
            return .success(.string(text))
        case .number, .boolean, .date, .datetime, .select:
            if case .string(let inner)? = json { return parse(inner, definition: definition, original: nil) }
            return parse(text, definition: definition, original: nil)
        }
    }

    /// The type a field with no definition is read as: the type of the value it holds now.
    public static func inferredType(_ value: JSONValue?) -> FieldType {
        switch value {
        case .int?, .double?: .number
        case .bool?: .boolean
        case .object?, .array?: .json
        default: .text
        }
    }

    /// `YYYY-MM-DD`, a day that exists.
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        let calendar = Calendar(identifier: .gregorian)
        guard (1...12).contains(month), (1...31).contains(day), let date = calendar.date(from: components) else { return false }
        return calendar.component(.day, from: date) == day
    }
}

public struct FieldValueError: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
