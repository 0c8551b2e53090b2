import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// `ContactStore.watch(contactID:)`: a second store on the same file stands for another minimo
/// process (its own connections, its own writes); the first one must see what it changed.
@Suite struct CacheWatchTests {
    func contact(_ id: String, plan: String = "free", email: String? = nil) throws -> Contact {
        try Contact(json: [
            "id": .string(id), "email": .string(email ?? "watch-\(id)@example.com"), "custom_fields": ["plan": .string(plan)],
        ])
    }

    @Test func anotherStoreOnTheSameFileChangesTheContactAndTheFirstSeesIt() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()  // same profile, same file: another process
            try await mine.cacheContacts([try contact("1"), try contact("2")])
            let first = try await mine.watch(contactID: "1")
            #expect(first.contact?.isCached == true)
            #expect(first.unsentEdits == 0)
            #expect(try await mine.watch(contactID: "1") == first, "nothing changed: the same value")

            // The other process fetched a newer copy with another value.
            try await other.cacheContacts([try contact("1", plan: "pro")])
            let changed = try await mine.watch(contactID: "1")
            #expect(changed != first)
            #expect(changed.contact?.digest != first.contact?.digest)
            #expect(changed.unsentEdits == 0)

            // Only the other contact changed: this one's mark stays as it was.
            try await other.cacheContacts([try contact("2", plan: "pro")])
            #expect(try await mine.watch(contactID: "1").contact == changed.contact)
        }
    }

    @Test func theSameValuesFetchedAgainMoveOnlyTheFetchTime() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()
            try await mine.cacheContacts([try contact("1")], fetchedAt: Date(timeIntervalSince1970: 1_700_000_000))
            let first = try #require(try await mine.watch(contactID: "1").contact)
            try await other.cacheContacts([try contact("1")], fetchedAt: Date(timeIntervalSince1970: 1_700_000_060))
            let again = try #require(try await mine.watch(contactID: "1").contact)
            #expect(again.fetchedAt == first.fetchedAt + 60)
            #expect(again.digest == first.digest && again.length == first.length)
        }
    }

    /// Scripts the sandbox's next answers (`POST /__sandbox/faults`).
    func scriptFaults(_ harness: CacheHarness, _ next: JSONValue) async throws {
        let body = JSONValue.object(["next": next]).serialized()
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: "POST", url: harness.baseURL.absoluteString + "/__sandbox/faults",
                headers: [HTTPHeader("Content-Type", "application/json")], body: body), timeout: 10)
        #expect(response.status < 300)
    }

    @Test func anotherProcessesQueuedEditCountsAsUnsentAndMarksTheContact() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()
            let customer = try await mine.contact(email: "customer@example.com").contact
            let before = try await mine.watch(contactID: customer.id)
            #expect(before.contact?.outbox.isEmpty == true)

            // Queued by the other store and not yet sent: the optimistic copy and the entry.
            let entry = try await other.queueUpdate(contactID: customer.id, ContactUpdate(customFields: ["plan": "pro"]))
            let queued = try await mine.watch(contactID: customer.id)
            #expect(queued.unsentEdits == 1)
            #expect(queued.outbox == [.pending: 1])
            #expect(queued.lastOutboxSeq == entry.seq)
            #expect(queued.contact?.outbox == [.pending: 1])
            #expect(queued.contact?.digest != before.contact?.digest, "the optimistic copy is a change of the row")

            // The server refuses it (a 422 to the conflict check's read): the entry stays, failed,
            // and the change of state is seen though the row itself is the same.
            try await scriptFaults(harness, [422])
            #expect(await other.sendOutbox().failed == 1)
            let failed = try await mine.watch(contactID: customer.id)
            #expect(failed.unsentEdits == 1)
            #expect(failed.contact?.outbox == [.failed: 1])
            #expect(failed.contact?.digest == queued.contact?.digest)
            #expect(failed != queued)

            // Dropped by the other process: nothing unsent; its copy is made stale to be refetched.
            try await other.dropOutboxEntry(entry.seq)
            let dropped = try await mine.watch(contactID: customer.id)
            #expect(dropped.unsentEdits == 0)
            #expect(dropped.contact?.outbox.isEmpty == true)
            #expect(dropped.contact?.fetchedAt == 0)
        }
    }

    @Test func anotherProcessSendingAnEditIsSeenAndTheCountGoesBackToZero() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()
            let customer = try await mine.contact(email: "customer@example.com").contact
            let before = try await mine.watch(contactID: customer.id)
            try await other.queueUpdate(contactID: customer.id, ContactUpdate(customFields: ["plan": "pro"]))
            #expect(await other.sendOutbox().sent == 1)
            let after = try await mine.watch(contactID: customer.id)
            #expect(after.unsentEdits == 0)
            #expect(after.lastOutboxSeq > before.lastOutboxSeq, "an edit queued and sent between two looks still moves the watch")
            #expect(after.contact != before.contact)
            #expect(try await mine.cachedContact(id: customer.id)?.contact.customFields["plan"] == "pro")
        }
    }

    @Test func aDeletedOrForgottenContactIsMarkedSo() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()
            try await mine.cacheContacts([try contact("1")])
            let cached = try #require(try await mine.watch(contactID: "1").contact)
            #expect(!cached.deleted)
            try await other.queueDelete(contactID: "1")
            let deleted = try #require(try await mine.watch(contactID: "1").contact)
            #expect(deleted.deleted)
            #expect(deleted.outbox == [.pending: 1])
            try await other.clear()
            let cleared = try await mine.watch(contactID: "1")
            #expect(cleared.contact == CacheWatch.Mark(id: "1", isCached: false))
            #expect(cleared.unsentEdits == 1, "clearing the cache keeps unsent edits")
            #expect(try await mine.watch(contactID: nil).contact == nil)
        }
    }

    @Test func anUpsertByEmailIsCountedForTheContactWithThatEmail() async throws {
        try await CacheHarness.with { harness in
            let mine = try harness.store()
            let other = try harness.store()
            try await mine.cacheContacts([try contact("1", email: "Upsert-Me@example.com")])
            try await other.queueUpsert(ContactUpsert(email: "upsert-me@example.com", customFields: ["plan": "pro"]))
            let watch = try await mine.watch(contactID: "1")
            #expect(watch.contact?.outbox == [.pending: 1])
        }
    }
}
