import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// The parts of `minimo import` below the command: reading real files (BOM, `;`, quoted line
/// breaks, bad quoting, Latin-1), mapping columns, reading cells, and a plan that finds
/// unchanged rows in the cache (an export's CSV imports back at no cost).
@Suite struct ImportTests {
    static func file(_ bytes: [UInt8], name: String = "contacts.csv", latin1: Bool = false) throws -> ImportFile {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-import-unit-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try ImportFile.read(path: url.path, latin1: latin1)
    }

    static func file(_ text: String, name: String = "contacts.csv") throws -> ImportFile {
        try file(Array(text.utf8), name: name)
    }

    @Test func aCSVWithABOMSemicolonsAndQuotedLineBreaksReadsRowByRowWithTheirLines() throws {
        let text = "\u{FEFF}email;Notes;Plan\r\na@x.it;\"two\r\nlines; and \"\"quotes\"\"\";pro\r\n\r\nb@x.it;=1+1;\r\nc@x.it\r\n"
        let file = try Self.file(text)
        #expect(file.hadByteOrderMark)
        #expect(file.separator == ";")
        #expect(file.columns == ["email", "Notes", "Plan"])
        #expect(file.records.map(\.number) == [1, 2, 3])
        #expect(file.records.map(\.line) == [2, 5, 6])  // the quoted line break moves the next rows down
        #expect(file.records[0].values["Notes"] == .text("two\r\nlines; and \"quotes\""))
        #expect(file.records[0].original == "a@x.it;\"two\r\nlines; and \"\"quotes\"\"\";pro")
        #expect(file.records[1].values["Notes"] == .text("=1+1"))
        #expect(file.records[2].values["Plan"] == nil)  // a short row: the missing cells are empty
        #expect(file.sha256.count == 64)
    }

    @Test func theSeparatorIsTheOneTheHeaderUses() throws {
        #expect(try Self.file("email,plan\na@x.it,pro\n").separator == ",")
        #expect(try Self.file("email\tplan\na@x.it\tpro\n").separator == "\t")
        #expect(try Self.file("\"e;mail\",plan\na@x.it,pro\n").separator == ",")  // a ; inside quotes does not count
    }

    @Test func badQuotingIsNamedNeverReadSilently() throws {
        let file = try Self.file("email,notes\n\"a\"b@x.it,ok\nc@x.it,\"fine\"\n")
        #expect(file.records[0].problem?.contains("malformed quoting") == true)
        #expect(file.records[1].problem == nil)
        #expect(throws: ImportError.self) { try Self.file("email,notes\na@x.it,\"never closed\nb@x.it,x\n") }
        do {
            _ = try Self.file("email,notes\na@x.it,\"never closed\nb@x.it,x\n")
        } catch let error as ImportError {
            #expect(error.message.contains("line 2"))
        }
        let extra = try Self.file("email,plan\na@x.it,pro,,\nb@x.it,pro,oops\n")
        #expect(extra.records[0].problem == nil)  // empty extra cells (a trailing separator) are fine
        #expect(extra.records[1].problem?.contains("3 cells where the header has 2") == true)
    }

    @Test func latin1IsRefusedNamingTheFlagAndConvertedWithIt() throws {
        let bytes = Array("email,city\na@x.it,Citt".utf8) + [0xE0] + Array(" \u{20}".utf8) + [0x80, 0x0A]
        do {
            _ = try Self.file(bytes)
            Issue.record("a Latin-1 file must be refused")
        } catch let error as ImportError {
            #expect(error.message.contains("--latin1"))
            #expect(error.message.contains("0xE0 on line 2"))
        }
        let converted = try Self.file(bytes, latin1: true)
        #expect(converted.convertedFromLatin1)
        #expect(converted.records[0].values["city"] == .text("Città  €"))
        // --latin1 on a file that is UTF-8 with accents would garble them: refused.
        #expect(throws: ImportError.self) { try Self.file(Array("email,city\na@x.it,Città\n".utf8), latin1: true) }
        #expect(throws: ImportError.self) { try Self.file([0xFF, 0xFE, 0x65, 0x00]) }
        #expect(ImportFile.firstInvalidUTF8(Array("ok é 山 🍣".utf8)) == nil)
        #expect(ImportFile.firstInvalidUTF8([0x61, 0xED, 0xA0, 0x80]) == 1)  // an encoded surrogate
    }

    @Test func jsonLinesReadTheAPIsContactShapeAndFlatObjects() throws {
        let text = """
            {"id": 7, "email": "a@x.it", "status": "active", "custom_fields": {"plan": "pro", "seats": 3}, "marketing_consent": {"email": true}}
            {"email": "b@x.it", "PLAN": null}

            not json
            """
        let file = try Self.file(text, name: "contacts.jsonl")
        #expect(file.format == .jsonLines)
        #expect(file.records.count == 3)
        #expect(file.records[0].values["field:plan"] == .text("pro"))
        #expect(file.records[0].values["field:seats"] == .json(.int(3)))
        #expect(file.records[0].values["consent_email"] == .json(.bool(true)))
        #expect(file.records[0].values["id"] == nil)
        #expect(file.records[1].values["PLAN"] == .json(.null))
        #expect(file.records[2].line == 4)
        #expect(file.records[2].problem == "the line is not valid JSON")
    }

    @Test func cellsLoseOnlyAnExportsFormulaGuardAndControlCharactersAreNamed() {
        #expect(ImportRowBuilder.unguarded("'=1+1") == "=1+1")
        #expect(ImportRowBuilder.unguarded("''=1+1") == "'=1+1")
        #expect(ImportRowBuilder.unguarded("'+39 333") == "+39 333")
        #expect(ImportRowBuilder.unguarded("'til then") == "'til then")
        #expect(ImportRowBuilder.unguarded("=1+1") == "=1+1")
        #expect(ImportRowBuilder.firstControl(in: .string("tab\tand\nlines\r\nok")) == nil)
        #expect(ImportRowBuilder.firstControl(in: .string("\u{1B}[31m"))?.contains("U+001B (ESC)") == true)
        #expect(ImportRowBuilder.firstControl(in: .string("over\rwrite"))?.contains("lone CR") == true)
        #expect(ImportRowBuilder.firstControl(in: .string("c1 \u{9B}31m")) == "U+009B")
        #expect(ImportRowBuilder.firstControl(in: .object(["a": .array([.string("\u{7F}")])])) == "U+007F")
        #expect(ImportRowBuilder.same(.int(3), .double(3)))
        #expect(!ImportRowBuilder.same(.string("3"), .int(3)))
    }

    static let definitions = [
        CustomFieldDefinition(key: "PLAN", displayName: "Plan", type: .select, allowedValues: ["free", "pro"]),
        CustomFieldDefinition(key: "FIRST_NAME", displayName: "First Name"),
        CustomFieldDefinition(key: "SEATS", displayName: "Seats", type: .number),
    ]

    @Test func columnsMapByKeyDisplayNameOrStoredKeyAndUnknownOnesStopTheImport() throws {
        let file = try Self.file("E-Mail;first name;plan;field:email;legacy;Colour;id\na@x.it;Ann;pro;x;1;red;4\n")
        do {
            _ = try ImportMapping.resolve(file, definitions: Self.definitions, storedKeys: ["plan", "legacy"], overrides: .init())
            Issue.record("unknown columns must stop the import")
        } catch let error as ImportError {
            #expect(error.message.contains("unknown columns 'E-Mail', 'Colour'"), "\(error.message)")
            #expect(error.message.contains("--skip"))
        }
        let mapping = try ImportMapping.resolve(
            file, definitions: Self.definitions, storedKeys: ["plan", "legacy"],
            overrides: .init(maps: ["E-Mail": "email"], skips: ["colour"], unsetEmpty: ["first name"]))
        let targets = Dictionary(uniqueKeysWithValues: mapping.columns.map { ($0.name, $0.target) })
        #expect(targets["E-Mail"] == .email)
        #expect(targets["first name"] == .customField(ImportField(key: "FIRST_NAME", definition: Self.definitions[1])))
        // The spelling cached contacts use wins: keys are case-sensitive on the server.
        #expect(targets["plan"] == .customField(ImportField(key: "plan", definition: Self.definitions[0])))
        #expect(targets["field:email"] == .customField(ImportField(key: "email", definition: nil)))
        #expect(targets["legacy"] == .customField(ImportField(key: "legacy", definition: nil)))
        #expect(targets["Colour"] == .ignored)
        #expect(targets["id"] == .ignored)
        #expect(mapping.unsetEmpty == ["first name"])

        #expect(throws: ImportError.self) {
            try ImportMapping.resolve(file, definitions: Self.definitions, storedKeys: [], overrides: .init(maps: ["E-Mail": "email", "plan": "email"], skips: ["Colour", "legacy"]))
        }
        #expect(throws: ImportError.self) {  // no such column
            try ImportMapping.resolve(file, definitions: Self.definitions, storedKeys: [], overrides: .init(skips: ["nope"]))
        }
        #expect(throws: ImportError.self) {  // a phone cannot be deleted by an upsert
            try ImportMapping.resolve(
                try Self.file("email,phone\na@x.it,\n"), definitions: [], storedKeys: [], overrides: .init(unsetEmpty: ["phone"]))
        }
    }

    @Test func anExportedCSVImportsBackUnchangedAtNoCost() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            _ = try await store.sync()
            _ = try await store.fieldDefinitions()
            let before = try await harness.stats()
            // The columns and cells `minimo export --format csv` writes: email, phone, every
            // stored key, consent on/off, id; strings as they are, other values as JSON, a
            // formula-like text guarded with `'`.
            let contacts = try await store.search("", limit: 1000).asyncMap { try await store.cachedContact(id: $0.id)!.contact }
            let keys = Array(Set(contacts.flatMap(\.customFields.keys))).sorted()
            func cell(_ text: String) -> String {
                var value = text
                if let first = value.unicodeScalars.first(where: { $0 != "'" }), "=+-@\t\r".unicodeScalars.contains(first),
                    !ContactValidation.isValidPhone(value), Double(value) == nil
                {
                    value = "'" + value
                }
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            func text(_ value: JSONValue?) -> String {
                switch value {
                case nil, .null?: ""
                case .string(let string)?: string
                case let other?: other.jsonText
                }
            }
            var lines = [(["email", "phone"] + keys + ["consent_email", "consent_whatsapp", "id"]).map(cell).joined(separator: ",")]
            for contact in contacts {
                let consent = { (flag: Bool?) in flag.map { $0 ? "on" : "off" } ?? "" }
                var cells = [contact.email ?? "", contact.phone ?? ""] + keys.map { text(contact.customFields[$0]) }
                cells += [consent(contact.marketingConsent?.email), consent(contact.marketingConsent?.whatsapp), contact.id.rawValue]
                lines.append(cells.map(cell).joined(separator: ","))
            }
            let exported = try Self.file(lines.joined(separator: "\r\n") + "\r\n")
            let plan = try await store.planImport(exported, overrides: .init())
            let rejected = plan.rejectedRows.map { "line \($0.record.line): \($0.action)" }
            // Seeded values holding terminal escapes come back unchanged: the control-character
            // check refuses only values the contact does not already hold.
            #expect(rejected.isEmpty, "\(rejected)")
            #expect(plan.count { $0 == .unchanged } == contacts.count)
            #expect(plan.requests == 0)
            #expect(plan.writes.isEmpty)
            let after = try await harness.stats()
            #expect(after["requests"]?["total"] == before["requests"]?["total"])
        }
    }

    @Test func theSameRowOfTheSameFileHasTheSameKeyAndAChangedMappingANewOne() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let file = try Self.file("email,plan,seats\na@x.it,pro,3\nb@x.it,free,\n")
            let first = try await store.planImport(file, overrides: .init())
            let again = try await store.planImport(file, overrides: .init())
            #expect(first.rows.map(\.idempotencyKey) == again.rows.map(\.idempotencyKey))
            #expect(Set(first.rows.compactMap(\.idempotencyKey)).count == 2)
            #expect(first.batch == "import:" + file.sha256.prefix(16))
            #expect(first.rows.allSatisfy { $0.action == .unknown })  // no complete sync: unknown, sent
            let skipped = try await store.planImport(file, overrides: .init(skips: ["seats"]))
            #expect(skipped.rows[0].idempotencyKey != first.rows[0].idempotencyKey)  // another body, another write
            #expect(skipped.rows[1].idempotencyKey == first.rows[1].idempotencyKey)  // the same body
            let body = try #require(first.rows[0].upsert)
            #expect(body.customFields == ["plan": "pro", "seats": .int(3)])  // the header's spelling, typed
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
