import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

@Suite struct FreshnessTests {
    @Test func aSecondLookupWithinTheTTLCostsNoRequest() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let first = try await store.contact(email: "customer@example.com")
            #expect(first.source == .network)
            let second = try await store.contact(email: "Customer@Example.com")
            #expect(second.source == .freshCache)
            #expect(second.contact == first.contact)
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 1)
        }
    }

    @Test func afterTheTTLTheStaleCopyComesAtOnceAndIsRevalidatedOnce() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store(policy: FreshnessPolicy(ttl: 300))
            _ = try await store.contact(email: "customer@example.com")
            harness.clock.advance(301)
            let stale = try await store.contact(email: "customer@example.com")
            #expect(stale.source == .staleCache)
            #expect(stale.age >= 300)
            let revalidated = await stale.revalidation?.value
            #expect(revalidated?.email == "customer@example.com")
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 2)
            // Revalidated: fresh again, no further request.
            #expect(try await store.contact(email: "customer@example.com").source == .freshCache)
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 2)
        }
    }

    @Test func aNotFoundIsRememberedBriefly() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store(policy: FreshnessPolicy(negativeTTL: 60))
            for _ in 0..<3 {
                await #expect(throws: MinimoError.self) { try await store.contact(email: "nobody@example.com") }
            }
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 1)
            harness.clock.advance(61)
            await #expect(throws: MinimoError.self) { try await store.contact(email: "nobody@example.com") }
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 2)
        }
    }

    @Test func refreshBypassesTheCache() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            _ = try await store.contact(email: "customer@example.com")
            #expect(try await store.contact(email: "customer@example.com", refresh: true).source == .network)
            #expect(harness.requests(try await harness.stats(), CacheHarness.byEmail) == 2)
        }
    }
}

@Suite struct OutboxTests {
    @Test func aQueuedEditIsShownAtOnceAndSentOnce() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            let entry = try await store.queueUpdate(
                contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"], marketingConsent: .init(whatsapp: true)))
            #expect(entry.state == .pending)
            #expect(entry.base == ["customFields.plan": "enterprise", "marketingConsent.whatsapp": .bool(false)])
            // Optimistic: the cached copy already shows it.
            #expect(try await store.cachedContact(id: contact.id)?.contact.customFields["plan"] == "pro")
            let report = await store.sendOutbox()
            #expect(report.sent == 1)
            #expect(report.conflictChecks == 1)
            #expect(try await store.outbox().isEmpty)
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 1)
            let server = try await harness.client().contact(email: "customer@example.com").value
            #expect(server.customFields["plan"] == "pro")
            #expect(server.marketingConsent?.whatsapp == true)
            // A second drain sends nothing.
            #expect(await store.sendOutbox().sent == 0)
        }
    }

    @Test func aChangeBehindTheClientsBackHoldsTheSave() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"]))
            // Someone else changes the same field meanwhile.
            _ = try await harness.client(key: "mn-other-client0123").updateContact(
                id: contact.id, ContactUpdate(customFields: ["plan": "free"]))
            let report = await store.sendOutbox()
            #expect(report.conflicts == 1)
            #expect(report.sent == 0)
            let held = try #require(try await store.outbox().first)
            #expect(held.state == .conflict)
            #expect(held.serverValues == ["customFields.plan": "free"])
            #expect(held.base == ["customFields.plan": "enterprise"])
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 1)  // only the other client's
            #expect(try await harness.client().contact(email: "customer@example.com").value.customFields["plan"] == "free")
            // Choosing "mine" sends it.
            try await store.overrideConflict(held.seq)
            #expect(await store.sendOutbox().sent == 1)
            #expect(try await harness.client().contact(email: "customer@example.com").value.customFields["plan"] == "pro")
        }
    }

    @Test func aValidationErrorIsKeptNotRetriedAndATransientOneWaits() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpdate(contactID: contact.id, ContactUpdate(phone: "not-a-phone"))
            let report = await store.sendOutbox()
            #expect(report.failed == 1)
            let failed = try #require(try await store.outbox().first)
            #expect(failed.state == .failed)
            #expect(failed.lastStatus == 422)
            #expect(await store.sendOutbox().failed == 0)  // not retried by itself
            try await store.dropOutboxEntry(failed.seq)
            #expect(try await store.outbox().isEmpty)
        }
        // The server is gone: the edit stays queued, with the error.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-offline-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let offline = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: CacheHarness.key, timeout: 2, retry: .none))
        let store = try ContactStore(client: offline, location: CacheLocation(directory: directory), profile: "offline")
        try await store.queueUpsert(ContactUpsert(email: "later@example.com"))
        let report = await store.sendOutbox()
        #expect(report.deferred == 1)
        #expect(report.stoppedBy?.contains("connection refused") == true)
        let queued = try #require(try await store.outbox().first)
        #expect(queued.state == .pending)
        #expect(queued.attempts == 1)
    }
}

@Suite struct UnsentEditTests {
    @Test func aRefetchWhileAnEditWaitsKeepsTheEditShown() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpdate(
                contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"], marketingConsent: .init(email: false)))
            // The server still says "enterprise"; the cached copy must still show the edit.
            let fetched = try await store.contact(email: "customer@example.com", refresh: true)
            #expect(fetched.source == .network)
            let cached = try #require(try await store.cachedContact(id: contact.id)).contact
            #expect(cached.customFields["plan"] == "pro")
            #expect(cached.marketingConsent?.email == false)
            // A second edit of the same field takes the first as its base: sending both is no conflict.
            let second = try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "free"]))
            #expect(second.base == ["customFields.plan": "pro"])
            let report = await store.sendOutbox()
            #expect(report.sent == 2)
            #expect(report.conflicts == 0)
            #expect(try await harness.client().contact(email: "customer@example.com").value.customFields["plan"] == "free")
            // Once sent, a refetch shows the server's copy as it is.
            #expect(try await store.contact(email: "customer@example.com", refresh: true).contact.customFields["plan"] == "free")
        }
    }

    @Test func aQueuedDeleteKeepsTheContactHiddenAcrossARefetch() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueDelete(contactID: contact.id)
            _ = try await store.contact(email: "customer@example.com", refresh: true)
            #expect(try await store.cachedContact(id: contact.id)?.contact.deleted == true)
            #expect(try await store.search("customer@example.com").isEmpty)
        }
    }

    @Test func editingAContactDeletedEarlierRestoresItWithoutAConflict() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueDelete(contactID: contact.id)
            #expect(await store.sendOutbox().sent == 1)
            let entry = try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"]))
            #expect(entry.base?["deleted"] == .bool(true))
            let report = await store.sendOutbox()
            #expect(report.conflicts == 0)
            #expect(report.sent == 1)
            let server = try await harness.client().contact(email: "customer@example.com").value
            #expect(server.customFields["plan"] == "pro")
            #expect(!server.deleted)
        }
        // Deleted by someone else after the edit began: that is still held.
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"]))
            _ = try await harness.client(key: "mn-other-client0123").deleteContact(id: contact.id)
            let report = await store.sendOutbox()
            #expect(report.conflicts == 1)
            #expect(try await store.outbox().first?.lastError?.contains("no longer on the server") == true)
        }
    }

    @Test func anUpsertOfACachedContactIsShownAtOnceAndIsTheBaseOfTheNextEdit() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpsert(ContactUpsert(email: "CUSTOMER@example.com", customFields: ["plan": "pro"]))
            let cached = try #require(try await store.cachedContact(id: contact.id)).contact
            #expect(cached.customFields["plan"] == "pro")
            #expect(cached.email == "customer@example.com")
            let edit = try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "free"]))
            #expect(edit.base == ["customFields.plan": "pro"])
            let report = await store.sendOutbox()
            #expect(report.sent == 2)
            #expect(report.conflicts == 0)
        }
    }

    @Test func anEditTheServerAppliedButWhoseAnswerWasLostIsSentAgainNotHeld() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            let entry = try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"]))
            // The first attempt reached the server, but its answer never came back (a timeout, a
            // dropped connection, a crash): the same request with the same key, from outside.
            _ = try await harness.client().updateContact(
                id: contact.id, ContactUpdate(customFields: ["plan": "pro"]), idempotencyKey: entry.idempotencyKey)
            let report = await store.sendOutbox()
            #expect(report.conflicts == 0)
            #expect(report.sent == 1)
            let stats = try await harness.stats()
            #expect(stats["writesApplied"]?.intValue == 1)
            #expect(stats["idempotentReplays"]?.intValue == 1)
        }
    }
}

@Suite struct SyncTests {
    @Test func syncOf2500ContactsTakes25RequestsAndNo429s() async throws {
        try await CacheHarness.with({
            $0.contactCount = 2500
            $0.rateLimit = RateLimitRule(limit: 10, window: .seconds(1))
        }) { harness in
            let store = try harness.store()
            // Interrupted after 10 pages...
            let interrupted = Task {
                try await store.sync { progress in
                    if progress.page == 10 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            }
            await #expect(throws: CancellationError.self) { _ = try await interrupted.value }
            #expect(try await store.stats().contacts == 1000)
            // ...and resumed, not restarted.
            let report = try await store.sync()
            #expect(report.startPage == 11)
            #expect(report.requests == 15)
            #expect(report.completed)
            let stats = try await harness.stats()
            #expect(harness.requests(stats, CacheHarness.list) == 25)
            #expect(stats["requests"]?["byStatus"]?["429"]?.intValue ?? 0 == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(try await store.stats().contacts == 2500)
            #expect(try await store.stats().lastSync != nil)
        }
    }

    @Test func noListingIsNotAnError() async throws {
        try await CacheHarness.with({ $0.listingEnabled = false }) { harness in
            let report = try await harness.store().sync()
            #expect(!report.listingAvailable)
            #expect(report.requests == 1)
        }
    }
}

@Suite struct SearchAndSecrecyTests {
    @Test func searchRanksExactThenPrefixThenSubstring() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            try await store.store(
                ["anna@example.com", "banna@example.com", "annabel@example.com", "zanna@example.it", "bob@other.org"].enumerated()
                    .map { Contact(id: ContactID(Int64($0.offset + 1)), email: $0.element, fields: ["id": .int(Int64($0.offset + 1)), "email": .string($0.element)]) },
                fetchedAt: Date())
            #expect(try await store.search("anna@example.com").map(\.email) == ["anna@example.com", "banna@example.com"])
            #expect(try await store.search("ANNA").map(\.email) == ["anna@example.com", "annabel@example.com", "banna@example.com", "zanna@example.it"])
            #expect(try await store.search("an").map(\.email) == ["anna@example.com", "annabel@example.com", "banna@example.com", "zanna@example.it"])
            #expect(try await store.search(".it").map(\.email) == ["zanna@example.it"])
            #expect(try await store.search("100%_\"x").isEmpty)
            #expect(try await store.search("example", limit: 2, offset: 1).count == 2)
        }
    }

    @Test func substringSearchOver100000Contacts() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contacts = (0..<100_000).map { index -> Contact in
                let email = "user\(index)@domain\(index % 97).example"
                return Contact(id: ContactID(Int64(index)), email: email, fields: ["id": .int(Int64(index)), "email": .string(email)])
            }
            try await store.store(contacts, fetchedAt: Date())
            let exact = try await store.search("user4242@domain71.example")
            #expect(exact.first?.email == "user4242@domain71.example")
            let substring = try await store.search("er4242@", limit: 100)
            #expect(substring.map(\.email) == ["user4242@domain71.example"])
            let many = try await store.search("@domain13.", limit: 2000)
            #expect(many.count == 100_000 / 97 + (100_000 % 97 > 13 ? 1 : 0))
            #expect(many.allSatisfy { $0.email?.contains("@domain13.") == true })
        }
    }

    @Test func cacheFilesArePrivateAndHoldNoKey() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let contact = try await store.contact(email: "customer@example.com").contact
            try await store.queueUpdate(contactID: contact.id, ContactUpdate(customFields: ["plan": "pro"]))
            _ = await store.sendOutbox()
            let exchanges = try await store.exchanges()
            #expect(exchanges.count >= 3)
            #expect(exchanges.first?.requestHeaders.value(of: "Authorization") == "Bearer mn-te…•••")
            let mode = { (path: String) in
                (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
            }
            #expect(mode(harness.directory.path) == 0o700)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: store.databasePath + suffix) {
                #expect(mode(store.databasePath + suffix) == 0o600, "\(suffix)")
                let bytes = try Data(contentsOf: URL(fileURLWithPath: store.databasePath + suffix))
                #expect(bytes.range(of: Data(CacheHarness.key.utf8)) == nil, "the key leaked into \(suffix)")
                #expect(bytes.range(of: Data("cache-0123456789".utf8)) == nil)
            }
        }
    }
}
