import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// `ContactStore.save`: the one write path of the TUI and the CLI, and the words of each fate.
@Suite struct SavePathTests {
    @Test func aSavedEditSaysWhatWasSentAndTheAnswer() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            let queued = QueuedSeqs()
            let saved = try await store.save(.update(contact.id, ContactUpdate(customFields: ["plan": "pro"]))) { entry in
                await queued.add(entry.seq)
            }
            #expect(await queued.all == [saved.seq])
            #expect(saved.isSaved && !saved.offline)
            #expect(saved.answer?.status == 200)
            #expect(saved.sentence(.terminalUI) == "saved: PUT /contacts/\(contact.id.rawValue) → 200")
            #expect(saved.sentence(.commandLine) == saved.sentence(.terminalUI))
            #expect(try await store.outbox().isEmpty)
        }
    }

    @Test func aConflictIsHeldAndNamedShortAndWhole() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            _ = try await harness.client(key: "mn-other-client0123").updateContact(
                id: contact.id, ContactUpdate(customFields: ["plan": "free"]))
            let saved = try await store.save(.update(contact.id, ContactUpdate(customFields: ["plan": "pro"])))
            #expect(saved.isConflict && !saved.isSaved)
            #expect(saved.headline == "held as a conflict")
            #expect(saved.conflictingPaths == ["customFields.plan"])
            #expect(saved.sentence(.terminalUI).hasPrefix("not sent: "))
            #expect(saved.sentence(.terminalUI).hasSuffix("O shows both values"))
            #expect(saved.sentence(.commandLine).contains("`minimo outbox retry \(saved.seq) --force` sends it anyway"))
        }
    }

    @Test func aRefusedEditCarriesTheServersMessage() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            let saved = try await store.save(.update(contact.id, ContactUpdate(phone: "not-a-phone")))
            guard case .refused = saved.outcome else {
                Issue.record("expected a refusal, got \(saved.outcome)")
                return
            }
            #expect(saved.sentence(.commandLine).hasPrefix("the server refused the edit: HTTP 422: "))
            #expect(saved.sentence(.commandLine).contains("`minimo outbox drop \(saved.seq)` forgets it"))
            #expect(saved.sentence(.terminalUI).hasPrefix("the server refused the edit (O shows why): HTTP 422: "))
        }
    }

    @Test func anEditSavedOfflineIsQueuedAndSaysWhy() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-save-offline-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let offline = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key, timeout: 2, retry: .none))
        let store = try ContactStore(client: offline, location: CacheLocation(directory: directory), profile: "offline")
        let saved = try await store.save(.upsert(ContactUpsert(email: "later@example.com")))
        #expect(saved.offline && !saved.isSaved)
        #expect(saved.sentence(.terminalUI) == "queued, not sent yet: cannot connect to 127.0.0.1:9: connection refused; it goes out when the server answers")
        #expect(saved.sentence(.commandLine).contains("kept in the outbox (entry \(saved.seq))"))
        #expect(try await store.outbox().map(\.seq) == [saved.seq])
    }

    @Test func aReadOnlyProfileQueuesNothing() async throws {
        try await CacheHarness.with { harness in
            let store = try ContactStore(
                client: harness.client(), location: CacheLocation(directory: harness.directory), profile: "ro", readOnly: true)
            await #expect(throws: SaveFailure.self) {
                _ = try await store.save(.delete(ContactID("1")))
            }
            do {
                _ = try await store.save(.delete(ContactID("1")))
            } catch let failure as SaveFailure {
                #expect(failure.sentence(.terminalUI).hasPrefix("could not queue the edit: this profile is read-only"))
            }
            #expect(try await store.outbox().isEmpty)
        }
    }

    // MARK: - Field typing below the TUI

    @Test func fieldValuesAreTypedByTheirDefinitions() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let typed = try await store.typedFieldValues([
                "seats": "12", "vip": "yes", "company": "3", "city": "\"00184\"", "undefined": "3", "notes": "null",
                "plan": "pro",
            ])
            #expect(typed["seats"] == .int(12))
            #expect(typed["vip"] == .bool(true))
            #expect(typed["company"] == .string("3"))  // a text field: text, even when it reads as a number
            #expect(typed["city"] == .string("00184"))  // a quoted string stands for its content
            #expect(typed["undefined"] == .int(3))  // no definition: JSON when it is JSON
            #expect(typed["notes"] == .null)  // deletes
            #expect(typed["plan"] == .string("pro"))
            // Cached now: a second check costs no request.
            _ = try await store.typedFieldValues(["seats": "1"])
            #expect(harness.requests(try await harness.stats(), "GET /public/v1/custom-fields") == 1)
        }
    }

    @Test func aValueItsDefinitionRefusesIsNamedWithTheType() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            do {
                _ = try await store.typedFieldValues(["seats": "abc", "plan": "pro"])
                Issue.record("seats=abc was accepted")
            } catch let refused as FieldValueRefused {
                #expect(refused.key == "seats")
                #expect(refused.definition.type == .number)
                #expect(refused.description == "field 'seats' (defined as SEATS) is a number field: 'abc' is refused: a number is expected, like 42 or 3.5")
            }
            await #expect(throws: FieldValueRefused.self) { _ = try await store.typedFieldValues(["plan": "platinum"]) }
            await #expect(throws: FieldValueRefused.self) { _ = try await store.typedFieldValues(["SIGNUP_DATE": "2023-02-30"]) }
        }
    }

    @Test func withoutTheServerCachedDefinitionsStillCheckAndNoneIsAnError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-typing-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await CacheHarness.with { harness in
            let online = try ContactStore(client: harness.client(), location: CacheLocation(directory: directory), profile: "p")
            _ = try await online.fieldDefinitions()
        }
        let offline = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key, timeout: 2, retry: .none))
        // TTL 0: the cached definitions are stale, the request fails, the stale ones check.
        let stale = try ContactStore(
            client: offline, location: CacheLocation(directory: directory), profile: "p", policy: FreshnessPolicy(ttl: 0))
        await #expect(throws: FieldValueRefused.self) { _ = try await stale.typedFieldValues(["seats": "abc"]) }
        let none = try ContactStore(client: offline, location: CacheLocation(directory: directory), profile: "empty")
        do {
            _ = try await none.typedFieldValues(["seats": "abc"])
            Issue.record("checked against no definitions")
        } catch let error as MinimoError {
            #expect(error.kind == .network)
            #expect(error.message.hasPrefix("cannot check the custom field values against their definitions: cannot connect to"))
        }
    }

    // MARK: - Every read through the store is recorded

    @Test func aListedPageAndTheGroupedDefinitionsReachTheRequestLog() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let page = try await store.contactPage(page: 1, limit: 5)
            #expect(page.value.contacts.count == 5)
            _ = try await store.fieldGroups()
            // A second store on the same file (another process) reads them back.
            let log = try await harness.store().exchanges()
            #expect(log.map(\.path) == ["/public/v1/contacts", "/public/v1/custom-fields"])
            #expect(log.allSatisfy { $0.status == 200 })
            // The page's contacts are cached: a lookup of one costs no request.
            let first = try #require(page.value.contacts.first?.email)
            #expect(try await store.contact(email: first).source == .freshCache)
            #expect(try await store.cachedFieldDefinitions().contains { $0.key == "SEATS" })
        }
    }
}

actor QueuedSeqs {
    var all: [Int64] = []
    func add(_ seq: Int64) { all.append(seq) }
}
