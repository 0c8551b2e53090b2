import Foundation
import Testing

@testable import MinimoKit

/// The wire names of a contact's fields live in one list (`ContactWireField`): every spelling
/// in it is read into its property, and no key the reader takes shows again as an "other" field.
@Suite struct ContactWireFieldTests {
    /// The property a field is read into, as JSON (nil: not read).
    func read(_ field: ContactWireField, from contact: Contact) -> JSONValue? {
        switch field {
        case .id: .string(contact.id.rawValue)
        case .email: contact.email.map(JSONValue.string)
        case .phone: contact.phone.map(JSONValue.string)
        case .status: contact.status.map(JSONValue.string)
        case .source: contact.source.map(JSONValue.string)
        case .customFields: contact.customFields.isEmpty ? nil : .object(contact.customFields)
        case .company: contact.company
        case .deleted: contact.deleted ? .bool(true) : nil
        case .externalID: contact.externalID.map(JSONValue.string)
        case .externalConnectionID: contact.externalConnectionID
        case .marketingConsent: contact.marketingConsent.map { _ in .bool(true) }
        case .firstName: contact.firstName.map(JSONValue.string)
        case .lastName: contact.lastName.map(JSONValue.string)
        case .createdAt: contact.createdAt.map(JSONValue.string)
        case .updatedAt: contact.updatedAt.map(JSONValue.string)
        }
    }

    func sample(_ field: ContactWireField) -> JSONValue {
        switch field {
        case .id: "cnt_1"
        case .customFields: ["plan": "pro"]
        case .company: 7
        case .deleted: true
        case .externalConnectionID: 9
        case .marketingConsent: ["email": true]
        default: "x"
        }
    }

    @Test(arguments: ContactWireField.allCases)
    func everySpellingIsReadIntoItsPropertyAndIsNotAnOtherField(_ field: ContactWireField) throws {
        for spelling in field.spellings {
            var object: [String: JSONValue] = field == .id ? [:] : ["id": 1]
            object[spelling] = sample(field)
            let contact = try Contact(json: .object(object))
            #expect(read(field, from: contact) != nil, "\(spelling) is listed but not read")
            #expect(contact.otherFields.isEmpty, "\(spelling) shows as another field: \(contact.otherFields)")
            #expect(ContactWireField(spelling: spelling) == field)
        }
    }

    @Test func theDocsSpellingsAreAllThere() {
        // Every spelling the reference pages use (snake_case, camelCase, and `externalID`).
        for spelling in ["external_id", "externalId", "externalID", "first_name", "firstName", "custom_fields", "customFields",
                         "marketing_consent", "marketingConsent", "contactId", "phone_number"] {
            #expect(ContactWireField.allSpellings.contains(spelling), "\(spelling)")
        }
        #expect(ContactWireField.allCases.flatMap(\.spellings).count == ContactWireField.allSpellings.count, "a spelling is listed twice")
    }

    @Test func unknownKeysAreTheOtherFields() throws {
        let contact = try Contact(json: ["id": 1, "email": "a@b.it", "externalID": "ext-9", "nickname": "Ada", "score": 3])
        #expect(contact.externalID == "ext-9")
        #expect(contact.otherFields == ["nickname": "Ada", "score": 3])
    }
}
