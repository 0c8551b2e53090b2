import Foundation
import MinimoKit

/// Which contact field each column of an import file sets.
///
/// The convention is the one `minimo export --format csv` writes, so an export imports back
/// unchanged: `email` (required: upserts match by it), `phone`, `consent_email` and
/// `consent_whatsapp`, and custom fields named by key or by display name, ignoring case
/// (`plan`, `PLAN`, `Plan`), or as `field:KEY` (a key with no definition, or one that clashes
/// with a fixed name). `id` is ignored (an upsert matches by email), and so are the
/// `reject_line`, `reject_column` and `reject_reason` columns of a rejects file, so a fixed
/// rejects file imports as it is. A column that names none of these, nor a custom field key
/// that cached contacts hold, is unknown: the import stops before anything is sent, naming it.
/// `--map COLUMN=FIELD` and `--skip COLUMN` override the mapping.
public struct ImportMapping: Sendable {
    /// What a column sets.
    public enum Target: Sendable, Hashable {
        case email, phone, consentEmail, consentWhatsApp
        case customField(ImportField)
        case ignored

        public var name: String {
            switch self {
            case .email: "email"
            case .phone: "phone"
            case .consentEmail: "consent_email"
            case .consentWhatsApp: "consent_whatsapp"
            case .customField(let field): field.definition?.key ?? field.key
            case .ignored: "(ignored)"
            }
        }
    }

    /// The columns in file order, each with what it sets.
    public var columns: [(name: String, target: Target)]
    /// Columns whose empty cells delete the field (`--unset-empty`).
    public var unsetEmpty: Set<String>

    public var emailColumn: String? { columns.first { $0.target == .email }?.name }

    /// What the command line says about columns.
    public struct Overrides: Sendable, Hashable {
        /// `--map COLUMN=FIELD`, in order.
        public var maps: [String: String]
        /// `--skip COLUMN`.
        public var skips: [String]
        /// `--unset-empty COLUMN`: in this (custom field) column an empty cell deletes the
        /// field instead of leaving it unchanged.
        public var unsetEmpty: [String]

        public init(maps: [String: String] = [:], skips: [String] = [], unsetEmpty: [String] = []) {
            self.maps = maps
            self.skips = skips
            self.unsetEmpty = unsetEmpty
        }
    }

    /// Columns ignored without being named (see the type's documentation).
    public static let ignoredNames: Set<String> = ["id", "reject_line", "reject_column", "reject_reason", "reject_original"]

    /// Maps `file`'s columns. Throws `ImportError` naming every unknown column, every override
    /// that names no column or no field, two columns setting one field, or a missing email.
    public static func resolve(
        _ file: ImportFile, definitions: [CustomFieldDefinition], storedKeys: [String], overrides: Overrides
    ) throws -> ImportMapping {
        func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
        let present = file.columns
        var problems: [String] = []
        for name in Array(overrides.maps.keys).sorted() + overrides.skips + overrides.unsetEmpty
        where !present.contains(where: { same($0, name) }) {
            problems.append("there is no column '\(name)' in \(file.path) (its columns: \(present.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        var columns: [(String, Target)] = []
        var unknown: [String] = []
        for (index, name) in present.enumerated() {
            if overrides.skips.contains(where: { same($0, name) }) {
                columns.append((name, .ignored))
                continue
            }
            if let mapped = overrides.maps.first(where: { same($0.key, name) })?.value {
                if let target = Self.field(named: mapped, definitions: definitions, storedKeys: storedKeys) {
                    columns.append((name, target))
                } else {
                    problems.append("--map \(name)=\(mapped): no field '\(mapped)' (email, phone, consent_email, consent_whatsapp, or a custom field: `minimo fields list` shows them)")
                }
                continue
            }
            if name.isEmpty {
                // A column with no name (Excel writes one for a trailing separator): fine while
                // it holds nothing.
                if file.records.allSatisfy({ $0.values[""].map { $0 == .text("") } ?? true }) {
                    columns.append((name, .ignored))
                } else {
                    unknown.append("column \(index + 1) (it has no name in the header)")
                }
                continue
            }
            if ignoredNames.contains(name.lowercased()) {
                columns.append((name, .ignored))
            } else if let target = Self.field(named: name, definitions: definitions, storedKeys: storedKeys) {
                columns.append((name, target))
            } else {
                unknown.append("'\(name)'")
            }
        }
        if !unknown.isEmpty {
            let names = definitions.map(\.key).prefix(12).joined(separator: ", ")
            problems.append(
                "unknown column\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")): not email, phone, consent_email, consent_whatsapp or a custom field (\(names.isEmpty ? "no custom field is defined" : "custom fields: " + names)). Map with --map COLUMN=FIELD or leave out with --skip COLUMN")
        }
        var seen: [Target: String] = [:]
        for (name, target) in columns where target != .ignored {
            if let first = seen[target] {
                problems.append("columns '\(first)' and '\(name)' both set \(target.name): --skip one of them")
            } else {
                seen[target] = name
            }
        }
        var unset: Set<String> = []
        for name in overrides.unsetEmpty {
            guard let column = columns.first(where: { same($0.0, name) }) else { continue }
            if case .customField = column.1 {
                unset.insert(column.0)
            } else {
                problems.append("--unset-empty \(name): only a custom field can be deleted by an import (\(column.1.name) cannot)")
            }
        }
        if !problems.isEmpty { throw ImportError(problems.joined(separator: "\n")) }
        guard columns.contains(where: { $0.1 == .email }) else {
            throw ImportError(
                "\(file.path) has no email column: an import matches contacts by email. Name a column email, or map one with --map COLUMN=email")
        }
        return ImportMapping(columns: columns, unsetEmpty: unset)
    }

    /// The field `name` designates: a fixed name, `field:KEY`, a definition's key or display
    /// name, or a key cached contacts hold; ignoring case.
    static func field(named raw: String, definitions: [CustomFieldDefinition], storedKeys: [String]) -> Target? {
        let name = raw.trimmingCharacters(in: .whitespaces)
        let lower = name.lowercased()
        switch lower {
        case "email": return .email
        case "phone": return .phone
        case "consent_email": return .consentEmail
        case "consent_whatsapp": return .consentWhatsApp
        default: break
        }
        // The spelling to send for a key: the one cached contacts use (a second spelling would
        // make a second field: keys are case-sensitive on the server), else the given one.
        func spelling(_ key: String) -> String { storedKeys.first { $0.lowercased() == key.lowercased() } ?? key }
        if lower.hasPrefix("field:") {
            let key = String(name.dropFirst("field:".count))
            guard !key.isEmpty else { return nil }
            let definition = definitions.first { $0.matches(key: key) }
            return .customField(ImportField(key: storedKeys.contains(key) ? key : spelling(key), definition: definition))
        }
        if let definition = definitions.first(where: { $0.matches(key: name) }) {
            return .customField(ImportField(key: spelling(name), definition: definition))
        }
        if let definition = definitions.first(where: { $0.displayName.lowercased() == lower }) {
            return .customField(ImportField(key: spelling(definition.key), definition: definition))
        }
        if let stored = storedKeys.first(where: { $0 == name }) ?? storedKeys.first(where: { $0.lowercased() == lower }) {
            return .customField(ImportField(key: stored, definition: nil))
        }
        return nil
    }
}

/// A custom field an import column sets.
public struct ImportField: Sendable, Hashable {
    /// The key to send when the contact holds no spelling of it yet.
    public var key: String
    /// Its definition (type, select values), when one matches the key ignoring case; without
    /// one, a cell is typed like the value the contact holds (as the TUI's editor does).
    public var definition: CustomFieldDefinition?

    /// The key as `contact` spells it, if it holds the field (matching ignoring case).
    func key(in contact: Contact?) -> String {
        guard let contact else { return key }
        if contact.customFields[key] != nil { return key }
        return contact.customFields.keys.first { $0.lowercased() == key.lowercased() } ?? key
    }
}
