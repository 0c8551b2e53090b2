import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// An RFC 4180 reader for the tests: fields of records, quotes undone; nothing trimmed.
enum CSVTestReader {
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        field.append("\"")
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                record.append(String(field))
                field = .init()
            case "\r" where scalars.first == "\n":
                scalars.removeFirst()
                record.append(String(field))
                field = .init()
                records.append(record)
                record = []
            default: field.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(String(field))
            records.append(record)
        }
        return records
    }

    /// The importer's half of the formula convention: one leading `'` is removed from a cell
    /// that is `'`s followed by a formula character.
    static func unneutralised(_ cell: String) -> String {
        let scalars = cell.unicodeScalars
        guard scalars.first == "'", let first = scalars.first(where: { $0 != "'" }), "=+-@\t\r".unicodeScalars.contains(first)
        else { return cell }
        return String(cell.unicodeScalars.dropFirst())
    }
}

@Suite struct ExportCSVTests {
    static let dangerous: [String] = [
        "=1+1", "=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=", "+", "-", "@", "\t", "\r", "-5a", "--5", "+5",
        "+39 333 1234567", "+1-555-0104", "+0393391234567", "+3933912345678901", "=cmd\r\n", "@user",
    ]

    @Test(arguments: dangerous)
    func everyDangerousPrefixIsNeutralised(_ value: String) {
        let neutral = CSVExport.neutralised(value)
        #expect(neutral == "'" + value)
        // The finished cell, read back as CSV, still starts with the quote: never a formula.
        let cell = CSVExport.cell(value)
        let read = CSVTestReader.records(cell + "\r\n")
        #expect(read == [["'" + value]])
        #expect(CSVTestReader.unneutralised(read[0][0]) == value)
    }

    @Test(arguments: ["+393391234567", "+12025550104", "+819012345678", "+4477009001", "-5", "-0.25", "-1.5e-3", "-0", "12", "1E+9"])
    func phonesAndNumbersAreLeftAlone(_ value: String) {
        #expect(CSVExport.neutralised(value) == value)
        #expect(CSVExport.cell(value) == value)
    }

    @Test(arguments: ["'=1+1", "''=x", "'+393391234567", "'-5", "'\t"])
    func aValueThatLooksNeutralisedAlreadyGetsOneMoreQuote(_ value: String) {
        let neutral = CSVExport.neutralised(value)
        #expect(neutral == "'" + value)
        #expect(CSVTestReader.unneutralised(neutral) == value)
    }

    @Test(arguments: ["'til", "'", "'''", "plain", "a=b", "x+y", "", "O'Brien", "josé@example.it"])
    func otherValuesAreUnchanged(_ value: String) {
        #expect(CSVExport.neutralised(value) == value)
        #expect(CSVTestReader.unneutralised(value) == value)
    }

    @Test func quotingFollowsRFC4180() {
        #expect(CSVExport.cell("plain text") == "plain text")
        #expect(CSVExport.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVExport.cell("a,b") == "\"a,b\"")
        #expect(CSVExport.cell("a;b") == "\"a;b\"")
        #expect(CSVExport.cell("line\nbreak") == "\"line\nbreak\"")
        #expect(CSVExport.cell("line\r\nbreak") == "\"line\r\nbreak\"")
        #expect(CSVExport.cell("carriage\rreturn") == "\"carriage\rreturn\"")
        #expect(CSVExport.cell(" leading") == "\" leading\"")
        #expect(CSVExport.cell("trailing ") == "\"trailing \"")
        #expect(CSVExport.cell("") == "")
        #expect(CSVExport.cell("\u{1B}[31mred") == "\"\u{1B}[31mred\"")
        #expect(CSVExport.cell("bell\u{07}") == "\"bell\u{07}\"")
        #expect(CSVExport.cell("c1\u{9B}31m") == "\"c1\u{9B}31m\"")
        #expect(CSVExport.cell("invoice \u{202E}fdp.exe") == "invoice \u{202E}fdp.exe")
        #expect(CSVExport.cell("\"=1+1\"") == "\"\"\"=1+1\"\"\"")  // starts with a quote, not a formula character
    }

    @Test func hostileValuesSurviveExactly() {
        let values = [
            "\u{1B}[31mred\u{1B}[0m then\rOVERWRITTEN \u{1B}]0;title\u{07}", "Evil\rCorp", "a\"b,c;d\ne\r\nf",
            "\u{202E}yrollaM", "山田太郎商事 🍣", "👨‍👩‍👧‍👦", "tab\tinside", "\u{2028}sep", "nul\u{0}byte", "=1+1", "'=1+1", "-5",
        ]
        let line = values.map(CSVExport.cell).joined(separator: ",") + "\r\n"
        let read = CSVTestReader.records(line)
        #expect(read.count == 1)
        #expect(read[0].map(CSVTestReader.unneutralised) == values)
    }

    @Test func cellsHoldStringsBareAndOtherValuesAsJSON() {
        #expect(CSVExport.text(.string("pro")) == "pro")
        #expect(CSVExport.text(.string("00184")) == "00184")
        #expect(CSVExport.text(.int(12)) == "12")
        #expect(CSVExport.text(.double(-0.5)) == "-0.5")
        #expect(CSVExport.text(.bool(true)) == "true")
        #expect(CSVExport.text(.null) == "")
        #expect(CSVExport.text(nil) == "")
        #expect(CSVExport.text(["theme": "dark", "lang": "it"]) == #"{"lang":"it","theme":"dark"}"#)
        #expect(CSVExport.text([1, "a"]) == #"[1,"a"]"#)
    }

    @Test func columnsFollowTheDefinitionsThenTheOtherKeys() {
        let definitions = ["FIRST_NAME", "LAST_NAME", "PLAN", "SEATS"].map { CustomFieldDefinition(key: $0) }
        let found = ["plan", "first_name", "zeta", "last_name", "Alpha", "email", "First_Name"]
        let columns = CSVExport.columns(definitions: definitions, keysFound: found)
        #expect(columns.map(\.header) == [
            "email", "phone", "first_name", "First_Name", "last_name", "plan", "SEATS", "Alpha", "field:email", "zeta",
            "consent_email", "consent_whatsapp", "id",
        ])
        #expect(CSVExport.columns(definitions: [], keysFound: []).map(\.header) == [
            "email", "phone", "consent_email", "consent_whatsapp", "id",
        ])
    }

    @Test func fieldsPickAndOrderColumns() throws {
        let all = CSVExport.columns(definitions: [CustomFieldDefinition(key: "PLAN")], keysFound: ["plan", "email"])
        #expect(try CSVExport.select(["id", "PLAN", " email ", "email"], from: all) == [.id, .customField("plan"), .email])
        #expect(try CSVExport.select(["email"], from: all) == [.email])
        // A custom field named like a fixed column is `field:email`; the exact header wins.
        #expect(try CSVExport.select(["field:email"], from: all) == [.customField("email")])
        let error = #expect(throws: ExportError.self) { try CSVExport.select(["email", "nope"], from: all) }
        #expect(error?.message.contains("'nope'") == true)
        #expect(error?.message.contains("consent_whatsapp") == true)
        #expect(throws: ExportError.self) { try CSVExport.select([" ", ""], from: all) }
    }

    @Test func aContactsRow() throws {
        let contact = try Contact(json: [
            "id": 42, "email": "customer@example.com", "phone": "+393391234567",
            "custom_fields": ["company": "Acme, Corp", "seats": 12, "note": "=HYPERLINK(\"x\")", "prefs": ["a": 1], "gone": nil],
            "marketing_consent": ["email": true, "whatsapp": false],
        ])
        let columns: [CSVExport.Column] = [
            .email, .phone, .customField("company"), .customField("seats"), .customField("note"), .customField("prefs"),
            .customField("gone"), .customField("absent"), .consentEmail, .consentWhatsApp, .id,
        ]
        let line = CSVExport.line(contact, columns: columns)
        #expect(line == #"customer@example.com,+393391234567,"Acme, Corp",12,"'=HYPERLINK(""x"")","{""a"":1}",,,on,off,42"# + "\r\n")
        let unknownConsent = try Contact(json: ["id": "cnt_1", "email": "-x@example.com"])
        #expect(CSVExport.line(unknownConsent, columns: [.email, .consentEmail, .consentWhatsApp, .id]) == "'-x@example.com,,,cnt_1\r\n")
    }
}

@Suite struct ExportVCardTests {
    @Test func textIsEscapedPerRFC6350() {
        #expect(VCardExport.escape("a,b;c\\d") == "a\\,b\\;c\\\\d")
        #expect(VCardExport.escape("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour")
        #expect(VCardExport.escape("tab\tkept") == "tab\tkept")
        #expect(VCardExport.escape("\u{1B}[31mred\u{07}") == "\u{FFFD}[31mred\u{FFFD}")
        #expect(VCardExport.escape("c1\u{9B}x\u{7F}") == "c1\u{FFFD}x\u{FFFD}")
        #expect(VCardExport.escape("José 山田 🍣") == "José 山田 🍣")
    }

    /// Physical lines of a folded text, as UTF-8 byte arrays (checked to end in CRLF).
    func physicalLines(_ folded: String) -> [[UInt8]] {
        let bytes = Array(folded.utf8)
        #expect(bytes.suffix(2) == [13, 10])
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
                lines.append(current)
                current = []
                index += 2
            } else {
                #expect(bytes[index] != 10 && bytes[index] != 13, "a bare line break inside a line")
                current.append(bytes[index])
                index += 1
            }
        }
        return lines
    }

    /// RFC 6350 §3.2 unfolding, on scalars (a continuation may start with a combining mark),
    /// with each line end as a bare LF.
    func unfold(_ folded: String) -> String {
        var output = String.UnicodeScalarView()
        let scalars = Array(folded.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                if index + 2 < scalars.count, scalars[index + 2] == " " {
                    index += 3
                } else {
                    output.append("\n")
                    index += 2
                }
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return String(output)
    }

    @Test(arguments: [
        "NOTE:" + String(repeating: "abcdefghij", count: 30),
        "X-MINIMO-COMPANY:" + String(repeating: "山田太郎商事 🍣 ", count: 20),
        "X-MINIMO-NOTES:" + String(repeating: "é", count: 200),
        "X-MINIMO-FAMILY:" + String(repeating: "👨‍👩‍👧‍👦", count: 20),
        "NOTE:" + String(repeating: "x\\n", count: 60),
        "NOTE:" + String(repeating: "\\,", count: 60),
        "FN:short",
        "NOTE:" + String(repeating: "a", count: 75),
        "NOTE:" + String(repeating: "a", count: 70),
    ])
    func linesAreFoldedAt75OctetsOnCharacterBoundaries(_ line: String) throws {
        let folded = VCardExport.fold(line)
        let lines = physicalLines(folded)
        for (index, physical) in lines.enumerated() {
            #expect(physical.count <= 75, "line \(index) has \(physical.count) octets")
            #expect(String(validating: physical, as: UTF8.self) != nil, "line \(index) splits a UTF-8 sequence")
            if index > 0 {
                #expect(physical.first == UInt8(ascii: " "))
                #expect(physical.count > 1)
            }
            // An escape (`\n`, `\,`) never ends a line half-way.
            var backslashes = 0
            for byte in physical.reversed() { if byte == UInt8(ascii: "\\") { backslashes += 1 } else { break } }
            #expect(backslashes % 2 == 0, "line \(index) ends inside an escape")
        }
        #expect(unfold(folded).unicodeScalars.elementsEqual((line + "\n").unicodeScalars))
        if line.utf8.count <= 75 { #expect(lines.count == 1) }
    }

    let definitions = ["FIRST_NAME", "LAST_NAME", "COMPANY", "PLAN"].map { CustomFieldDefinition(key: $0) }

    @Test func aCardTakesItsNamesFromTheNameDefinitions() throws {
        let contact = try Contact(json: [
            "id": 1, "email": "josé.müller@example.it", "phone": "+393471234501",
            "custom_fields": [
                "first_name": "José", "last_name": "Müller; Rossi", "company": "Acme, Corp", "plan": "pro", "seats": 12,
                "notes": "line one\nline two", "preferences": ["lang": "it"], "empty": "",
            ],
            "marketing_consent": ["email": true],
        ])
        let names = VCardExport.nameKeys(definitions: definitions, keysFound: [])
        #expect(names == .init(first: "FIRST_NAME", last: "LAST_NAME"))
        let card = VCardExport.card(contact, names: names, definitions: definitions)
        #expect(card.hasPrefix("BEGIN:VCARD\r\nVERSION:4.0\r\n"))
        #expect(card.hasSuffix("END:VCARD\r\n"))
        let lines = unfold(card).split(separator: "\n").map(String.init)
        #expect(lines.contains("FN:José Müller\\; Rossi"))
        #expect(lines.contains("N:Müller\\; Rossi;José;;;"))
        #expect(lines.contains("EMAIL:josé.müller@example.it"))
        #expect(lines.contains("TEL;VALUE=uri:tel:+393471234501"))
        #expect(lines.contains("X-MINIMO-ID:1"))
        #expect(lines.contains("X-MINIMO-CONSENT-EMAIL:on"))
        #expect(!lines.contains { $0.hasPrefix("X-MINIMO-CONSENT-WHATSAPP") })
        #expect(lines.contains("X-MINIMO-COMPANY:Acme\\, Corp"))
        #expect(lines.contains("X-MINIMO-NOTES:line one\\nline two"))
        #expect(lines.contains("X-MINIMO-PREFERENCES:{\"lang\":\"it\"}"))
        #expect(lines.contains("X-MINIMO-SEATS:12"))
        #expect(!lines.contains { $0.hasPrefix("X-MINIMO-EMPTY") })
        // Definitions' order first (first_name, last_name, company, plan), then the rest alphabetically.
        let custom = lines.filter { $0.hasPrefix("X-MINIMO-") && !$0.hasPrefix("X-MINIMO-ID") && !$0.hasPrefix("X-MINIMO-CONSENT") }
        #expect(custom.map { String($0.prefix { $0 != ":" }) } == [
            "X-MINIMO-FIRST-NAME", "X-MINIMO-LAST-NAME", "X-MINIMO-COMPANY", "X-MINIMO-PLAN", "X-MINIMO-NOTES",
            "X-MINIMO-PREFERENCES", "X-MINIMO-SEATS",
        ])
    }

    @Test func namesFromKeysWithoutDefinitionsAndFallbacks() throws {
        #expect(VCardExport.nameKeys(definitions: [], keysFound: ["nome", "cognome"]) == .init(first: "nome", last: "cognome"))
        #expect(VCardExport.nameKeys(definitions: [], keysFound: ["firstName", "surname"]) == .init(first: "firstName", last: "surname"))
        #expect(VCardExport.nameKeys(definitions: [CustomFieldDefinition(key: "Given-Name")], keysFound: []).first == "Given-Name")

        let italian = try Contact(json: ["id": 7, "email": "m@example.it", "custom_fields": ["NOME": "Mario", "COGNOME": "Rossi"]])
        let card = VCardExport.card(italian, names: .init(first: "nome", last: "cognome"))
        #expect(card.contains("\r\nFN:Mario Rossi\r\n"))
        #expect(card.contains("\r\nN:Rossi;Mario;;;\r\n"))

        let nameless = try Contact(json: ["id": 8, "email": "only@example.com", "phone": "339 12", "custom_fields": ["first_name": ""]])
        let fallback = VCardExport.card(nameless, names: .init(first: "first_name"))
        #expect(fallback.contains("\r\nFN:only@example.com\r\n"))
        #expect(!fallback.contains("\r\nN:"))
        #expect(fallback.contains("\r\nTEL:339 12\r\n"))  // not E.164: text, not a tel: URI

        let topLevel = try Contact(json: ["id": 9, "first_name": "Ada", "last_name": "Lovelace"])
        #expect(VCardExport.card(topLevel, names: .init()).contains("\r\nFN:Ada Lovelace\r\n"))
        #expect(VCardExport.card(try Contact(json: ["id": 10]), names: .init()).contains("\r\nFN:contact 10\r\n"))
    }

    @Test func hostileKeysAndValuesCannotBreakTheCard() throws {
        let contact = try Contact(json: [
            "id": 4, "email": "mallory@example.net",
            "custom_fields": ["evil\r\nBEGIN:VCARD": "x\r\nEND:VCARD", "città": "\u{1B}]0;title\u{07}", "": "empty key"],
        ])
        let card = VCardExport.card(contact, names: .init())
        #expect(card.components(separatedBy: "BEGIN:VCARD").count == 2)
        #expect(card.components(separatedBy: "\r\nEND:VCARD").count == 2)
        #expect(!card.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(card.contains("X-MINIMO-EVIL--BEGIN-VCARD:x\\nEND:VCARD"))
        #expect(card.contains("X-MINIMO-CITT-:\u{FFFD}]0\\;title\u{FFFD}"))
        #expect(card.contains("X-MINIMO-FIELD:empty key"))
    }
}

@Suite struct ExportStoreTests {
    @Test func anExportReadsEveryMatchInPagesFromOneSnapshot() async throws {
        try await CacheHarness.with({ $0.contactCount = 130 }) { harness in
            let store = try harness.store()
            let before = try await store.openExport(matching: nil).summary
            #expect(before.contacts == 0)
            #expect(before.lastCompleteSync == nil && before.unfinishedSync == nil)

            _ = try await store.sync()
            let requests = try await harness.stats()["requests"]?["total"]?.intValue
            let export = try await store.openExport(matching: nil)
            #expect(export.summary.contacts == 130)
            #expect(export.summary.lastCompleteSync != nil)
            #expect(export.summary.definitions.isEmpty)  // never fetched: an export asks for nothing
            #expect(export.summary.customFieldKeys.contains("first_name"))
            #expect(export.summary.customFieldKeys.contains("preferences"))
            #expect(export.summary.oldestFetch != nil && export.summary.oldestFetch! <= export.summary.newestFetch!)

            // A contact cached after the snapshot was taken is not in this export.
            try await store.cacheContacts([Contact(id: ContactID("late"), email: "late@example.com", fields: ["id": "late", "email": "late@example.com"])])
            var ids: [String] = []
            let count = try await export.forEach(pageSize: 7) { record in
                ids.append(record.contact.id.rawValue)
                let parsed = try JSONValue.parse(record.json)
                #expect(parsed == JSONValue.object(record.contact.fields))
                #expect(!record.json.contains(UInt8(ascii: "\n")))
            }
            #expect(count == 130)
            #expect(Set(ids).count == 130)
            #expect(!ids.contains("late"))
            #expect(try await store.openExport(matching: nil).summary.contacts == 131)
            #expect(try await harness.stats()["requests"]?["total"]?.intValue == requests)
        }
    }

    @Test(arguments: ["example.it", "EXAMPLE", "ma", "customer@example.com", " .com ", "no-such-text", "o"])
    func aQueryMatchesWhatSearchFinds(_ query: String) async throws {
        try await CacheHarness.with({ $0.contactCount = 120 }) { harness in
            let store = try harness.store()
            _ = try await store.sync()
            let searched = Set(try await store.search(query, limit: 10_000).map(\.id))
            let export = try await store.openExport(matching: query)
            var exported = Set<ContactID>()
            try await export.forEach(pageSize: 10) { exported.insert($0.contact.id) }
            #expect(exported == searched)
            #expect(export.summary.contacts == searched.count)
        }
    }

    @Test func deletedContactsAreLeftOutAndUnsentEditsCounted() async throws {
        try await CacheHarness.with({ $0.contactCount = 20 }) { harness in
            let store = try harness.store()
            _ = try await store.sync()
            let customer = try #require(try await store.cachedContact(email: "customer@example.com")).contact
            // Queued, not sent: the cache shows it deleted at once.
            _ = try await store.queueDelete(contactID: customer.id)
            let export = try await store.openExport(matching: nil)
            #expect(export.summary.contacts == 19)
            #expect(export.summary.unsentEdits == 1)
            var emails: [String] = []
            try await export.forEach { emails.append($0.contact.email ?? "") }
            #expect(!emails.contains("customer@example.com"))
            #expect(emails.count == 19)
        }
    }

    @Test func theEncoderWritesTheHeaderAndEachFormat() async throws {
        try await CacheHarness.with({ $0.contactCount = 50 }) { harness in
            let store = try harness.store()
            _ = try await store.sync()
            _ = try await store.fieldDefinitions()
            let export = try await store.openExport(matching: "customer@")
            let csv = try ExportEncoder(format: .csv, summary: export.summary)
            // The columns come from every cached contact, not only the one matching.
            #expect(csv.columns.prefix(4).map(\.header) == ["email", "phone", "first_name", "last_name"])
            var data = csv.header()
            try await export.forEach { csv.append($0, to: &data) }
            let records = CSVTestReader.records(String(decoding: data, as: UTF8.self))
            #expect(records.count == 2)
            let row = Dictionary(uniqueKeysWithValues: zip(records[0], records[1]))
            #expect(row["email"] == "customer@example.com")
            #expect(row["phone"] == "+393391234567")
            #expect(row["company"] == "Acme Corp")
            #expect(row["plan"] == "enterprise")
            #expect(row["consent_email"] == "on" && row["consent_whatsapp"] == "off")
            #expect(row["id"] == "42")

            #expect(throws: ExportError.self) { try ExportEncoder(format: .jsonl, summary: export.summary, fields: ["email"]) }
            #expect(throws: ExportError.self) { try ExportEncoder(format: .csv, summary: export.summary, fields: ["nope"]) }
            let picked = try ExportEncoder(format: .csv, summary: export.summary, fields: ["id", "PLAN"])
            #expect(String(decoding: picked.header(byteOrderMark: true), as: UTF8.self) == "\u{FEFF}id,plan\r\n")
        }
    }
}
