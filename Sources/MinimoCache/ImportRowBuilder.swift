import Foundation
import MinimoKit

/// Reads one record's cells into an upsert, collecting every problem.
struct ImportRowBuilder {
    let record: ImportRecord
    let mapping: ImportMapping
    var problems: [ImportProblem] = []

    init(record: ImportRecord, mapping: ImportMapping) {
        self.record = record
        self.mapping = mapping
        if let problem = record.problem { problems.append(ImportProblem(column: nil, reason: problem)) }
    }

    /// The cell of `column` as text with an export's formula guard undone, or nil when empty
    /// (or absent); a JSON value is returned as `.json`.
    func cell(_ column: String) -> ImportValue? {
        switch record.values[column] {
        case nil: return nil
        case .text(let text)?: return text.isEmpty ? nil : .text(Self.unguarded(text))
        case .json(let value)?: return .json(value)
        }
    }

    /// `text` less one leading `'` when it is one or more `'` before `=`, `+`, `-`, `@`, tab or
    /// CR: the guard a spreadsheet-safe export puts in front of a would-be formula.
    static func unguarded(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.first == "'" else { return text }
        guard let next = scalars.first(where: { $0 != "'" }), "=+-@\t\r".unicodeScalars.contains(next) else { return text }
        return String(scalars.dropFirst())
    }

    mutating func email() -> String? {
        guard let column = mapping.emailColumn else { return nil }
        switch cell(column) {
        case nil:
            problems.append(ImportProblem(column: column, reason: "no email: an import matches contacts by email"))
            return nil
        case .json(let value)?:
            problems.append(ImportProblem(column: column, reason: "the email must be text, not \(value.jsonText)"))
            return nil
        case .text(let raw)?:
            let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard ContactValidation.isValidEmail(email) else {
                problems.append(ImportProblem(column: column, reason: "'\(Self.shown(email))' is not a valid email address"))
                return nil
            }
            return email
        }
    }

    /// The upsert of this row: only the columns given (non-empty cells), custom field keys as
    /// `cached` spells them. Problems are collected, not thrown.
    mutating func upsert(email: String, cached: Contact?) -> ContactUpsert {
        var upsert = ContactUpsert(email: email)
        for (column, target) in mapping.columns {
            let value = cell(column)
            switch target {
            case .email, .ignored:
                continue
            case .phone:
                // `null` (the API's "no phone", in a JSON Lines export) changes nothing: an upsert
                // cannot remove a phone.
                guard let value, value != .json(.null) else { continue }
                guard case .text(let raw) = value else {
                    problems.append(ImportProblem(column: column, reason: "the phone must be text, as +393391234567"))
                    continue
                }
                let phone = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if ContactValidation.isValidPhone(phone) {
                    upsert.phone = phone
                } else {
                    problems.append(ImportProblem(
                        column: column,
                        reason: "'\(Self.shown(phone))' is not an E.164 phone number (+, country code, digits only, as +393391234567)"))
                }
            case .consentEmail, .consentWhatsApp:
                guard let value, value != .json(.null) else { continue }  // unknown: unchanged
                let flag: Bool?
                switch value {
                case .json(.bool(let bool)): flag = bool
                case .json(.int(let number)) where number == 0 || number == 1: flag = number == 1
                case .text(let raw):
                    switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
                    case "on", "yes", "true", "1": flag = true
                    case "off", "no", "false", "0": flag = false
                    default: flag = nil
                    }
                default: flag = nil
                }
                guard let flag else {
                    problems.append(ImportProblem(
                        column: column, reason: "'\(Self.shown(value))' is not a consent: on, off, yes, no, true, false, 1 or 0"))
                    continue
                }
                if target == .consentEmail { upsert.marketingConsent.email = flag } else { upsert.marketingConsent.whatsapp = flag }
            case .customField(let field):
                let key = field.key(in: cached)
                guard let value else {
                    if mapping.unsetEmpty.contains(column) { upsert.customFields[key] = .null }
                    continue
                }
                switch Self.typed(value, field: field, current: cached?.customFields[key]) {
                case .success(let typed):
                    // A value the contact already holds exactly is no new control character (an
                    // export of such a contact imports back unchanged).
                    let held = cached?.customFields[key].map { Self.same($0, typed) } ?? false
                    if !held, let control = Self.firstControl(in: typed) {
                        problems.append(ImportProblem(
                            column: column,
                            reason: "holds the control character \(control) (terminal escapes and control characters other than tab and line breaks are not imported)"))
                    } else {
                        upsert.customFields[key] = typed
                    }
                case .failure(let error):
                    let type = field.definition.map { " (\($0.type) field)" } ?? ""
                    problems.append(ImportProblem(column: column, reason: "'\(Self.shown(value))'\(type): \(error.message)"))
                }
            }
        }
        return upsert
    }

    /// A cell as the field's value: `null` deletes; a definition's type reads text the way the
    /// TUI's editor does; a field with no definition takes the type of the value the contact
    /// holds (text when none), and a JSON value keeps its own type.
    static func typed(_ value: ImportValue, field: ImportField, current: JSONValue?) -> Result<JSONValue, FieldValueError> {
        switch value {
        case .json(.null):
            return .success(.null)
        case .json(let json):
            if field.definition == nil || field.definition?.type == .json { return .success(json) }
            return FieldValueParser.parse(json.jsonText, definition: field.definition, original: current)
        case .text(let text):
            if field.definition == nil, case .json = FieldValueParser.inferredType(current) {
                return FieldValueParser.parse(text, definition: CustomFieldDefinition(key: field.key, type: .json), original: current)
            }
            return FieldValueParser.parse(text, definition: field.definition, original: current)
        }
    }

    /// The first refused control character in a value's strings, named (`U+001B`), or nil.
    static func firstControl(in value: JSONValue) -> String? {
        switch value {
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            for (index, scalar) in scalars.enumerated() {
                let code = scalar.value
                if code == 0x09 || code == 0x0A { continue }
                if code == 0x0D, index + 1 < scalars.count, scalars[index + 1] == "\n" { continue }
                if code < 0x20 || code == 0x7F || (0x80...0x9F).contains(code) {
                    return String(format: "U+%04X", code) + (code == 0x1B ? " (ESC)" : code == 0x0D ? " (a lone CR)" : "")
                }
            }
            return nil
        case .array(let items):
            return items.lazy.compactMap(firstControl).first
        case .object(let members):
            return members.keys.sorted().lazy.compactMap { firstControl(in: .string($0)) ?? firstControl(in: members[$0]!) }.first
        default:
            return nil
        }
    }

    /// Whether `cached` already holds what `upsert` sets, column by column (numbers compared
    /// by value: `3` and `3.0` are equal; a deletion of an absent field changes nothing).
    func isUnchanged(_ upsert: ContactUpsert, on cached: Contact) -> Bool {
        if let phone = upsert.phone, phone != cached.phone { return false }
        if let email = upsert.marketingConsent.email, email != cached.marketingConsent?.email { return false }
        if let whatsapp = upsert.marketingConsent.whatsapp, whatsapp != cached.marketingConsent?.whatsapp { return false }
        for (key, value) in upsert.customFields {
            let current = cached.customFields[key] ?? .null
            if !Self.same(current, value) { return false }
        }
        return true
    }

    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }

    /// A value as a reason quotes it: control characters escaped (the reasons go to a terminal
    /// and to the rejects file), cut when long.
    static func shown(_ value: ImportValue) -> String {
        switch value {
        case .text(let text): shown(text)
        case .json(let json): shown(json.jsonText)
        }
    }

    static func shown(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(80) {
            let code = scalar.value
            if code < 0x20 || code == 0x7F || (0x80...0x9F).contains(code) {
                result += String(format: "\\x%02X", code)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 80 ? result + "…" : result
    }
}
