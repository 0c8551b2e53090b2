import Foundation
import GRDB
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// The cache's side of the TUI's bulk edit: the plan (what changes, from the cached copies), the
/// queue (one batch, background priority, no conflict check: one request per changed contact),
/// the cancel, and the unfinished batches a restarted TUI resumes. Against the sandbox over HTTP.
@Suite struct BulkPlanTests {
    static let put = "PUT /public/v1/contacts/{id}"

    /// The synced contacts' ids, and those whose plan is already `pro`.
    func synced(_ store: ContactStore) async throws -> (ids: [ContactID], pro: Set<ContactID>) {
        _ = try await store.sync()
        let all = try await store.search("", limit: 1000)
        var pro: Set<ContactID> = []
        for summary in all {
            let contact = try #require(try await store.cachedContact(id: summary.id)).contact
            if contact.customFields["plan"] == "pro" { pro.insert(summary.id) }
        }
        return (all.map(\.id), pro)
    }

    @Test func unchangedContactsCostNothingAndEachChangedOneExactlyOnePut() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let (ids, pro) = try await synced(store)
            #expect(!pro.isEmpty && pro.count < ids.count, "the seed mixes plans")
            // The definitions spell the key PLAN; the contacts hold `plan`: sent as they hold it.
            let plan = try await store.planBulk(.setField(key: "PLAN", value: "pro"), contacts: ids)
            #expect(plan.items.count == ids.count)
            #expect(plan.unchanged == pro.count)
            #expect(plan.requests == ids.count - pro.count)
            for item in plan.items {
                if pro.contains(item.id) {
                    #expect(item.outcome == .unchanged)
                } else {
                    #expect(item.outcome == .send(ContactUpdate(customFields: ["plan": "pro"])))
                }
            }
            let before = try await harness.stats()
            let queued = try await store.queueBulk(plan, batch: "bulk-test-1")
            #expect(queued.queued == plan.requests)
            #expect(try await store.queueBulk(plan, batch: "bulk-test-1").alreadyQueued == plan.requests, "queued once")
            let report = await store.sendOutbox(OutboxDrainOptions(batch: "bulk-test-1", concurrency: 2, waveSize: 2))
            #expect(report.sent == plan.requests)
            let after = try await harness.stats()
            #expect(harness.requests(after, Self.put) - harness.requests(before, Self.put) == Int64(plan.requests))
            #expect(harness.requests(after, CacheHarness.byEmail) == harness.requests(before, CacheHarness.byEmail), "no conflict check")
            #expect(try await store.outboxBatchCounts("bulk-test-1") == [.done: plan.requests])
            // The cache shows the result: the same change again costs nothing.
            let again = try await store.planBulk(.setField(key: "plan", value: "pro"), contacts: ids)
            #expect(again.requests == 0)
            #expect(again.unchanged == ids.count)
        }
    }

    @Test func aStaleCopyThatSeemsUnchangedIsSentToBeSureAndADeletedOneSkipped() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store(policy: FreshnessPolicy(ttl: 60))
            let (ids, pro) = try await synced(store)
            let deleted = try #require(ids.first { !pro.contains($0) })
            try await store.queueDelete(contactID: deleted)
            await store.sendOutbox()
            harness.clock.advance(120)
            let plan = try await store.planBulk(.setField(key: "plan", value: "pro"), contacts: ids)
            #expect(plan.unchanged == 0)
            #expect(plan.toCheck == pro.count)
            #expect(plan.skipped == 1)
            #expect(plan.items.first { $0.id == deleted }?.outcome == .skipped("deleted"))
            #expect(plan.requests == ids.count - 1)
            // Unsetting a field no contact holds costs nothing, stale or not.
            let unset = try await store.planBulk(.unsetField(key: "no_such_field"), contacts: ids)
            #expect(unset.requests == 0)
        }
    }

    @Test func consentIsSentOnlyWhereItDiffersPerChannel() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let (ids, _) = try await synced(store)
            let plan = try await store.planBulk(.consent(MarketingConsent(email: nil, whatsapp: true)), contacts: ids)
            for item in plan.items {
                let contact = try #require(try await store.cachedContact(id: item.id)).contact
                if contact.marketingConsent?.whatsapp == true {
                    #expect(item.outcome == .unchanged)
                } else {
                    #expect(item.outcome == .send(ContactUpdate(marketingConsent: MarketingConsent(email: nil, whatsapp: true))))
                }
            }
        }
    }

    @Test func aCancelDropsWhatIsPendingAndAnUnfinishedBatchIsFoundForResuming() async throws {
        try await CacheHarness.with { harness in
            let store = try harness.store()
            let (ids, _) = try await synced(store)
            let plan = try await store.planBulk(.setField(key: "plan", value: "bulk-cancel"), contacts: Array(ids.prefix(6)))
            try await store.queueBulk(plan, batch: "bulk-a")
            try await store.queueBulk(try await store.planBulk(.unsetField(key: "city"), contacts: Array(ids.suffix(3))), batch: "bulk-b")
            let unfinished = try await store.unfinishedBatches(prefix: "bulk-")
            #expect(unfinished.map(\.batch) == ["bulk-a", "bulk-b"])
            #expect(unfinished.first?.unsent == 6)
            #expect(unfinished.allSatisfy { !$0.queuedByLiveProcess }, "queued by this process, which is not another one")
            #expect(try await store.unfinishedBatches(prefix: "import:").isEmpty)

            let before = try await harness.stats()
            #expect(try await store.cancelBatch("bulk-a") == 6)
            #expect(try await store.unfinishedBatches(prefix: "bulk-").map(\.batch) == ["bulk-b"])
            await store.sendOutbox()
            let after = try await harness.stats()
            #expect(harness.requests(after, Self.put) - harness.requests(before, Self.put) == 3, "only bulk-b went out")
            // The cancelled contacts' copies, which showed the value ahead of the server, are stale.
            let first = try #require(try await store.cachedContact(id: ids[0]))
            #expect(first.fetchedAt.timeIntervalSince1970 == 0)
        }
    }

    @Test func aSaveDrainedInteractiveOnlyLeavesTheBulkToItsSiblingStore() async throws {
        try await CacheHarness.with({ $0.rateLimit = RateLimitRule(limit: 1000, window: .seconds(60)) }) { harness in
            let store = try harness.store()
            let (ids, _) = try await synced(store)
            let plan = try await store.planBulk(.setField(key: "seats", value: 77), contacts: Array(ids.prefix(8)))
            try await store.queueBulk(plan, batch: "bulk-s")
            let save = try await store.queueUpdate(contactID: ids[20], ContactUpdate(customFields: ["plan": "free"]))
            let report = await store.sendOutbox(OutboxDrainOptions(interactiveOnly: true))
            #expect(report.sent == 1)
            #expect(try await store.outboxEntry(save.seq)?.state == .done)
            #expect(try await store.outboxBatchCounts("bulk-s") == [.pending: plan.requests])
            // The sibling (own claims, own drain queue) sends the batch.
            let sibling = try store.sibling()
            #expect(sibling.databasePath == store.databasePath)
            #expect(await sibling.sendOutbox(OutboxDrainOptions(batch: "bulk-s", concurrency: 2, waveSize: 2)).sent == plan.requests)
            #expect(try await store.outboxBatchCounts("bulk-s") == [.done: plan.requests])
        }
    }
}
