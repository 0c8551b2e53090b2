import Foundation
import MinimoKit
import Testing

@testable import MinimoCache

/// An import skips the server-owned fields of a contact in every spelling the client reads
/// (the list is MinimoKit's `ContactWireField`): a JSON Lines file of contacts as the API sent
/// them, in any of the docs' spellings, reads with no column the importer cannot map.
@Suite struct WireFieldImportTests {
    @Test func everyServerOwnedSpellingIsSkippedByAnImport() throws {
        var object: [String: JSONValue] = ["email": "a@x.it", "custom_fields": ["plan": "pro"]]
        for field in ContactWireField.allCases where field.serverOwned {
            for spelling in field.spellings { object[spelling] = "v" }
        }
        #expect(object["externalID"] == "v")
        let text = String(decoding: JSONValue.object(object).serialized(), as: UTF8.self) + "\n"
        let file = try ImportTests.file(text, name: "contacts.jsonl")
        let record = try #require(file.records.first)
        #expect(record.problem == nil)
        #expect(Set(record.values.keys) == ["email", "field:plan"], "\(record.values.keys.sorted())")
        #expect(ImportFile.readOnlyContactKeys.isSubset(of: ContactWireField.allSpellings))
    }
}
