import Foundation
import MinimoKit

/// The CSV of `minimo export`, written so that `minimo import` reads it back unchanged (an
/// export followed by an import costs 0 write requests).
///
/// **Columns** (a header row, then one row per contact, RFC 4180, CRLF line ends, UTF-8):
/// `email`, `phone`, one column per custom field, `consent_email`, `consent_whatsapp`, `id`.
/// Custom field columns are named by the key as the contacts store it: for each cached field
/// definition, in its order, the stored keys that match it ignoring case (the definition's own
/// key when no contact holds it yet), then the other keys found, alphabetically. A custom field
/// whose key is one of the fixed column names is named `field:KEY`.
///
/// **Cells.** A string value as it is; a number, `true`/`false`, an object or an array as JSON
/// text (`12`, `true`, `{"lang":"it"}`); null and an absent field are both an empty cell, which
/// the importer reads as "leave unchanged". Consent is `on`, `off`, or empty when unknown. The
/// `id` column is for people; the importer ignores it. A cell is quoted when it holds `"`, `,`,
/// `;`, a line break, any other control character, or leading or trailing blanks; quotes are
/// doubled; nothing else is changed, so terminal escapes travel exactly, inside quotes.
///
/// **Formulas (OWASP CSV injection).** A spreadsheet runs a cell that starts with `=`, `+`, `-`,
/// `@`, tab or carriage return as a formula. Such a cell is written with a single quote `'` in
/// front, which makes it text. Two exceptions, both unable to hold a formula: a whole cell that
/// is a valid E.164 phone number (`+393391234567`: `+`, 7 to 15 digits, nothing else) and a
/// whole cell that is a plain JSON number (`-5`, `-0.25`, `1e-3`). Without them every phone,
/// the column the export exists for, would come out as `'+39…`, and every negative number as
/// text. `+39 333 123` or `+1-555-0104` are not E.164, and are neutralised (a spreadsheet reads
/// `+1-555-0104` as arithmetic).
///
/// So that the quote is undone exactly, a value that starts with any number of `'` followed by
/// one of those characters gets one more `'`: the reader removes one leading `'` from a cell
/// matching `'+[=+\-@\t\r]…`, and only from those (`'til` stays `'til`).
public enum CSVExport {
    /// A column of the export.
    public enum Column: Sendable, Hashable {
        case email, phone, consentEmail, consentWhatsApp, id
        case customField(String)

        /// The header cell (before neutralising).
        public var header: String {
            switch self {
            case .email: "email"
            case .phone: "phone"
            case .consentEmail: "consent_email"
            case .consentWhatsApp: "consent_whatsapp"
            case .id: "id"
            case .customField(let key): CSVExport.reserved.contains(key.lowercased()) ? "field:" + key : key
            }
        }
    }

    /// The names of the fixed columns.
    public static let reserved: Set<String> = ["email", "phone", "consent_email", "consent_whatsapp", "id"]

    /// The default columns: email, phone, the custom fields (see the type's documentation),
    /// the consents, id.
    public static func columns(definitions: [CustomFieldDefinition], keysFound: [String]) -> [Column] {
        var custom: [String] = []
        var placed = Set<String>()
        for definition in definitions {
            let stored = keysFound.filter { !placed.contains($0) && definition.matches(key: $0) }
            let keys = stored.isEmpty ? [definition.key] : stored
            for key in keys where !placed.contains(key) {
                custom.append(key)
                placed.insert(key)
            }
        }
        let others = keysFound.filter { !placed.contains($0) }.sorted {
            ($0.lowercased(), $0) < ($1.lowercased(), $1)
        }
        custom += others
        return [.email, .phone] + custom.map(Column.customField) + [.consentEmail, .consentWhatsApp, .id]
    }

    /// The columns `names` pick from `available`, in that order (`--fields email,PLAN,id`):
    /// a name matches a header exactly, else ignoring case; a custom field's bare key also names
    /// its `field:KEY` column. Throws a message naming the unknown names and the known ones.
    public static func select(_ names: [String], from available: [Column]) throws -> [Column] {
        var picked: [Column] = []
        var unknown: [String] = []
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            let exact = available.first { $0.header == name }
            let custom = available.first { if case .customField(let key) = $0 { return key == name } else { return false } }
            let folded = available.first { $0.header.lowercased() == name.lowercased() }
            if let column = exact ?? custom ?? folded {
                if !picked.contains(column) { picked.append(column) }
            } else {
                unknown.append(name)
            }
        }
        if !unknown.isEmpty {
            throw ExportError(
                "no column named \(unknown.map { "'\($0)'" }.joined(separator: ", ")); the columns are: "
                    + available.map(\.header).joined(separator: ","))
        }
        guard !picked.isEmpty else { throw ExportError("--fields names no column") }
        return picked
    }

    /// The header row, CRLF-terminated.
    public static func headerLine(_ columns: [Column]) -> String {
        columns.map { cell($0.header) }.joined(separator: ",") + "\r\n"
    }

    /// One contact's row, CRLF-terminated.
    public static func line(_ contact: Contact, columns: [Column]) -> String {
        columns.map { cell(text(of: contact, column: $0)) }.joined(separator: ",") + "\r\n"
    }

    /// The unquoted text of a contact's cell.
    public static func text(of contact: Contact, column: Column) -> String {
        switch column {
        case .email: contact.email ?? ""
        case .phone: contact.phone ?? ""
        case .consentEmail: consent(contact.marketingConsent?.email)
        case .consentWhatsApp: consent(contact.marketingConsent?.whatsapp)
        case .id: contact.id.rawValue
        case .customField(let key): text(contact.customFields[key])
        }
    }

    static func consent(_ flag: Bool?) -> String {
        switch flag {
        case true?: "on"
        case false?: "off"
        case nil: ""
        }
    }

    /// A value's cell text: a string as it is, null or absent as nothing, anything else as JSON.
    public static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let text)?: text
        case let value?: value.jsonText
        }
    }

    /// A finished cell: neutralised against formulas, then quoted when needed.
    public static func cell(_ text: String) -> String {
        quoted(neutralised(text))
    }

    /// The characters a spreadsheet starts a formula with (OWASP).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// `text` with a `'` in front when a spreadsheet could read it as a formula: it starts (after
    /// any number of `'`) with `=`, `+`, `-`, `@`, tab or CR, and it is not, as a whole, an E.164
    /// phone number or a JSON number.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first(where: { $0 != "'" }), formulaStarts.contains(first) else { return text }
        if text.unicodeScalars.first != "'", ContactValidation.isValidPhone(text) || isJSONNumber(text) { return text }
        return "'" + text
    }

    /// Whether the whole of `text` is a JSON number (`-5`, `0.25`, `-1.5e-3`).
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            var count = 0
            while let byte = bytes.first, (0x30...0x39).contains(byte) {
                bytes.removeFirst()
                count += 1
            }
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes.removeFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes.removeFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes.removeFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes.removeFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// RFC 4180 quoting: in double quotes, with quotes doubled, when the text holds a quote, a
    /// comma, a semicolon (the separator of Italian Excel), a line break or any other control
    /// character, or starts or ends with a blank (which a reader could trim). Else as it is.
    public static func quoted(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let needs =
            scalars.contains { scalar in
                scalar == "\"" || scalar == "," || scalar == ";" || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    || scalar == "\u{2028}" || scalar == "\u{2029}"
            }
            || scalars.first.map { $0.properties.isWhitespace } == true
            || scalars.last.map { $0.properties.isWhitespace } == true
        guard needs else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A problem with what an export was asked for (a column that does not exist): a usage error.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
