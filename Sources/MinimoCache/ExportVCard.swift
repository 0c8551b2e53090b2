import Foundation
import MinimoKit

/// vCard 4.0 (RFC 6350) for `minimo export --format vcard`: one card per contact with `FN`,
/// `N`, `EMAIL`, `TEL` and every custom field as an `X-MINIMO-…` property.
///
/// - Names come from the custom fields the FIRST_NAME / LAST_NAME definitions describe, matched
///   ignoring case and `_`/`-` (`first_name`, `FIRST_NAME`, `firstName`; `given_name`,
///   `surname`, `family_name`; Italian `nome`, `cognome`), else from those keys in the data, else
///   from a top-level `first_name`/`last_name`. `FN` (required) falls back to the email, then the
///   phone, then the id.
/// - Text is escaped as §3.4 says: `\` `,` `;` as `\\` `\,` `\;`, a line break (CRLF, LF or a
///   lone CR) as `\n`. Other control characters cannot appear in a vCard value (§3.3
///   VALUE-CHAR): each becomes U+FFFD. The CSV and JSON Lines exports keep them exactly.
/// - Lines are folded at 75 octets (§3.2) between whole characters (a UTF-8 sequence and an
///   escape such as `\n` are never split), continued with a space; lines end in CRLF.
public enum VCardExport {
    /// The custom field keys that hold the given name and the family name.
    public struct NameKeys: Sendable, Hashable {
        public var first: String?
        public var last: String?

        public init(first: String? = nil, last: String? = nil) {
            self.first = first
            self.last = last
        }
    }

    static let firstNames: Set<String> = ["firstname", "givenname", "nome", "first"]
    static let lastNames: Set<String> = ["lastname", "surname", "familyname", "cognome", "last"]

    static func normalised(_ key: String) -> String {
        String(key.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " && $0 != "." })
    }

    /// The name keys: from the definitions when one matches (spelled as the contacts store it,
    /// when they do), else from the keys found.
    public static func nameKeys(definitions: [CustomFieldDefinition], keysFound: [String]) -> NameKeys {
        func find(_ names: Set<String>) -> String? {
            if let definition = definitions.first(where: { names.contains(normalised($0.key)) }) {
                return keysFound.first { definition.matches(key: $0) } ?? definition.key
            }
            return keysFound.first { names.contains(normalised($0)) }
        }
        return NameKeys(first: find(firstNames), last: find(lastNames))
    }

    /// What every card of one export shares, worked out once: the name keys and the order of
    /// the custom fields (the definitions' order, then the other keys alphabetically).
    public struct Layout: Sendable {
        public var names: NameKeys
        /// A definition's position by its lowercased key.
        let rank: [String: Int]

        public init(names: NameKeys = .init(), definitions: [CustomFieldDefinition] = []) {
            self.names = names
            rank = Dictionary(definitions.enumerated().map { ($1.key.lowercased(), $0) }, uniquingKeysWith: min)
        }

        public init(definitions: [CustomFieldDefinition], keysFound: [String]) {
            self.init(names: VCardExport.nameKeys(definitions: definitions, keysFound: keysFound), definitions: definitions)
        }
    }

    /// The value of the custom field `key` (exactly, else ignoring case), as text.
    static func field(_ contact: Contact, _ key: String?) -> String? {
        guard let key else { return nil }
        let value = contact.customFields[key] ?? contact.customFields.first { $0.key.lowercased() == key.lowercased() }?.value
        let text = CSVExport.text(value).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// One contact's card, CRLF line ends, folded.
    public static func card(_ contact: Contact, names: NameKeys, definitions: [CustomFieldDefinition] = []) -> String {
        var bytes: [UInt8] = []
        appendCard(contact, layout: Layout(names: names, definitions: definitions), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one contact's card (UTF-8, CRLF line ends, folded) to `output`.
    public static func appendCard(_ contact: Contact, layout: Layout, to output: inout [UInt8]) {
        let names = layout.names
        let first = field(contact, names.first) ?? contact.firstName.flatMap { $0.isEmpty ? nil : $0 }
        let last = field(contact, names.last) ?? contact.lastName.flatMap { $0.isEmpty ? nil : $0 }
        let fullName = [first, last].compactMap { $0 }.joined(separator: " ")
        let email = contact.email.flatMap { $0.isEmpty ? nil : $0 }
        let phone = contact.phone.flatMap { $0.isEmpty ? nil : $0 }
        var line: [UInt8] = []
        func emit(_ name: String, _ values: [String]? = nil, raw: String? = nil) {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: name.utf8)
            if let values {
                line.append(UInt8(ascii: ":"))
                for (index, value) in values.enumerated() {
                    if index > 0 { line.append(UInt8(ascii: ";")) }
                    appendEscaped(value, to: &line)
                }
            }
            if let raw { line.append(contentsOf: raw.utf8) }
            appendFolded(line, to: &output)
        }
        emit("BEGIN:VCARD")
        emit("VERSION:4.0")
        emit("FN", [fullName.isEmpty ? email ?? phone ?? "contact \(contact.id.rawValue)" : fullName])
        if first != nil || last != nil { emit("N", [last ?? "", first ?? "", "", "", ""]) }
        if let email { emit("EMAIL", [email]) }
        if let phone {
            if ContactValidation.isValidPhone(phone) { emit("TEL;VALUE=uri:tel:", raw: phone) } else { emit("TEL", [phone]) }
        }
        emit("X-MINIMO-ID", [contact.id.rawValue])
        if let consent = contact.marketingConsent {
            if let flag = consent.email { emit("X-MINIMO-CONSENT-EMAIL:", raw: flag ? "on" : "off") }
            if let flag = consent.whatsapp { emit("X-MINIMO-CONSENT-WHATSAPP:", raw: flag ? "on" : "off") }
        }
        // Custom fields: in the definitions' order, then the others alphabetically.
        let order = contact.customFields.keys.map { (layout.rank[$0.lowercased()] ?? Int.max, $0) }.sorted { $0 < $1 }
        for (_, key) in order {
            let text = CSVExport.text(contact.customFields[key])
            guard !text.isEmpty else { continue }
            emit(propertyName(key), [text])
        }
        emit("END:VCARD")
    }

    /// `X-MINIMO-` and the key in the characters an x-name allows: ASCII letters (uppercased) and
    /// digits, every other character as `-`.
    public static func propertyName(_ key: String) -> String {
        var name: [UInt8] = Array("X-MINIMO-".utf8)
        var any = false
        for scalar in key.unicodeScalars {
            any = true
            switch scalar.value {
            case 0x61...0x7A: name.append(UInt8(scalar.value - 0x20))
            case 0x41...0x5A, 0x30...0x39: name.append(UInt8(scalar.value))
            default: name.append(UInt8(ascii: "-"))
            }
        }
        if !any { name.append(contentsOf: "FIELD".utf8) }
        return String(decoding: name, as: UTF8.self)
    }

    /// A TEXT value escaped per RFC 6350 §3.4 (see the type's documentation).
    public static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendEscaped(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]  // U+FFFD

    /// Appends `text` escaped, working on its UTF-8 bytes (every byte below 0x80 is a whole
    /// character; C1 controls are the two-byte sequences C2 80…C2 9F).
    static func appendEscaped(_ text: String, to output: inout [UInt8]) {
        let plain = text.utf8.allSatisfy { byte in
            byte >= 0x20 && byte != 0x5C && byte != 0x2C && byte != 0x3B && byte != 0x7F && byte != 0xC2
        }
        if plain {
            output.append(contentsOf: text.utf8)
            return
        }
        var bytes = text.utf8.makeIterator()
        var pending = bytes.next()
        while let byte = pending {
            pending = bytes.next()
            switch byte {
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])  // \
            case 0x2C: output.append(contentsOf: [0x5C, 0x2C])  // \,
            case 0x3B: output.append(contentsOf: [0x5C, 0x3B])  // \;
            case 0x0A: output.append(contentsOf: [0x5C, 0x6E])  // \n
            case 0x0D:
                output.append(contentsOf: [0x5C, 0x6E])
                if pending == 0x0A { pending = bytes.next() }  // CRLF is one line break
            case 0x09: output.append(byte)
            case 0x00..<0x20, 0x7F: output.append(contentsOf: replacement)
            case 0xC2 where pending.map { (0x80...0x9F).contains($0) } == true:
                output.append(contentsOf: replacement)
                pending = bytes.next()
            default: output.append(byte)
            }
        }
    }

    /// A content line folded at 75 octets, each physical line CRLF-terminated.
    public static func fold(_ line: String) -> String {
        var bytes: [UInt8] = []
        appendFolded(Array(line.utf8), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the content line `line` (UTF-8) folded: a physical line holds at most 75 octets,
    /// a continuation starts with a space, and neither a UTF-8 sequence nor an escape (`\n`,
    /// `\,`, …) is split.
    static func appendFolded(_ line: [UInt8], to output: inout [UInt8]) {
        let limit = 75
        var start = 0  // of the physical line being measured
        var octets = 0
        var index = 0
        while index < line.count {
            var unit = sequenceLength(line[index])
            if line[index] == 0x5C, index + 1 < line.count { unit = 1 + sequenceLength(line[index + 1]) }
            unit = min(unit, line.count - index)
            if octets + unit > limit {
                // One append per physical line (a fold costs nothing per character).
                output.append(contentsOf: line[start..<index])
                output.append(contentsOf: [0x0D, 0x0A, 0x20])
                start = index
                octets = 1
            }
            octets += unit
            index += unit
        }
        output.append(contentsOf: line[start..<line.count])
        output.append(contentsOf: [0x0D, 0x0A])
    }

    /// The length of the UTF-8 sequence a lead byte starts.
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }
}
