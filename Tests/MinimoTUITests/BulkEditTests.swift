import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// Marks and bulk edits, on the reducer's side: keys in, effects out as data, the screen drawn
/// on an in-memory grid. (The cache's side is in MinimoCacheTests/BulkPlanTests; the whole
/// story, the real loop against the sandbox, in Headless/HeadlessBulkTests.)
@Suite struct BulkEditTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func summaries(_ count: Int, from start: Int = 1) -> [ContactSummary] {
        (start..<start + count).map {
            ContactSummary(id: ContactID("\($0)"), email: "p\($0)@example.it", phone: nil, fetchedAt: Self.now, deleted: false)
        }
    }

    /// The list of ten contacts focused, field definitions loaded.
    func listed(query: String = "") -> AppState {
        var state = AppState(size: TerminalSize(columns: 140, rows: 30), profile: "acme", host: "api.minimo.it", isDemo: false)
        state.now = Self.now
        state.search = LineEditor(text: query)
        _ = state.reduce(.searchResults(query: query, summaries(10)))
        _ = state.reduce(.definitionsLoaded([
            CustomFieldDefinition(key: "PLAN", displayName: "Plan", type: .select, allowedValues: ["free", "pro"]),
            CustomFieldDefinition(key: "SEATS", displayName: "Seats", type: .number),
        ]))
        state.focus = .results
        return state
    }

    func press(_ state: inout AppState, _ keys: KeyEvent...) -> [AppEffect] {
        keys.flatMap { state.reduce(.key($0)) }
    }

    func type(_ state: inout AppState, _ text: String) {
        for character in text { _ = state.reduce(.key(.character(character))) }
    }

    func screen(_ state: AppState) -> String {
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        return canvas.lines().joined(separator: "\n")
    }

    @Test func mMarksAndMovesDownAndTheCountShowsInTheTitleAndTheStatusBar() {
        var state = listed()
        _ = press(&state, .character("m"), .character("m"), .character("m"))
        #expect(state.list.marks.ids == ["1", "2", "3"])
        #expect(state.list.selection == 3)
        _ = press(&state, .up, .character("m"))  // unmarks the third
        #expect(state.list.marks.ids == ["1", "2"])
        let text = screen(state)
        #expect(text.contains("10 · 2 marked"))
        #expect(text.contains("│ 2 marked"), "the status bar counts them:\n\(text)")
        #expect(text.contains(" *p1@example.it"))
        #expect(!text.contains("*p3@example.it"))
    }

    @Test func marksSurviveANewSearchAndCapitalMMarksWhatTheFilterShows() {
        var state = listed()
        _ = press(&state, .character("m"))
        // Another search shows other contacts: the first mark stays.
        _ = state.reduce(.searchResults(query: "", summaries(4, from: 20)))
        _ = press(&state, .character("M"))
        #expect(state.list.marks.count == 5)
        #expect(state.list.marks.contains("1") && state.list.marks.contains("23"))
        // Again: everything shown was marked, so M unmarks it; the earlier mark stays.
        _ = press(&state, .character("M"))
        #expect(state.list.marks.ids == ["1"])
        _ = press(&state, .character(":"))
        type(&state, "unmark")
        _ = press(&state, .enter)
        #expect(state.list.marks.isEmpty)
    }

    @Test func bWithoutMarksSaysHowToMark() {
        var state = listed()
        #expect(press(&state, .character("b")).isEmpty)
        #expect(state.overlay == nil)
        #expect(state.notices.flash?.contains("m marks") == true)
    }

    @Test func settingAFieldIsTypedByItsDefinitionThenPlannedForTheMarkedContacts() {
        var state = listed()
        _ = press(&state, .character("m"), .character("m"), .character("b"), .character("f"))
        #expect(state.overlay == .bulk(BulkEditing(stage: .key(setting: true))), "f chooses, and is not typed")
        type(&state, "seats")  // the definition's key is SEATS: matched ignoring case
        _ = press(&state, .enter)
        guard case .bulk(let editing)? = state.overlay, case .value(let key) = editing.stage else {
            Issue.record("not asking for the value: \(String(describing: state.overlay))")
            return
        }
        #expect(key == "SEATS")
        type(&state, "many")
        #expect(press(&state, .enter).isEmpty)
        guard case .bulk(let refused)? = state.overlay else { Issue.record("the prompt closed"); return }
        #expect(refused.error != nil, "a number field refuses a word")
        #expect(screen(state).contains("⚠"))
        _ = press(&state, .control("u"))
        type(&state, "12")
        let effects = press(&state, .enter)
        #expect(effects == [.planBulk(.setField(key: "SEATS", value: .int(12)), ["1", "2"])])
        #expect(state.overlay == .bulkPlanning(.setField(key: "SEATS", value: .int(12))))
    }

    @Test func consentKeysPlanAtOnceAndUnsetAsksOnlyForTheKey() {
        var state = listed()
        _ = press(&state, .character("M"), .character("b"))
        #expect(press(&state, .character("W")) == [.planBulk(.consent(MarketingConsent(email: nil, whatsapp: false)), state.list.marks.ids)])
        _ = press(&state, .escape, .character("b"), .character("x"))
        type(&state, "Plan")  // the display name works too
        #expect(press(&state, .enter) == [.planBulk(.unsetField(key: "PLAN"), state.list.marks.ids)])
    }

    func plan(sending: Int, unchanged: Int) -> BulkPlan {
        let change = BulkChange.setField(key: "plan", value: "pro")
        var items: [BulkPlan.Item] = []
        for index in 0..<sending {
            items.append(BulkPlan.Item(id: ContactID("\(index + 1)"), email: "p\(index + 1)@example.it",
                                       outcome: .send(ContactUpdate(customFields: ["plan": "pro"]))))
        }
        for index in 0..<unchanged {
            items.append(BulkPlan.Item(id: ContactID("\(index + 50)"), email: "q\(index)@example.it", outcome: .unchanged))
        }
        return BulkPlan(change: change, items: items)
    }

    @Test func theReviewSaysContactsRequestsUnchangedAndETAAndShowsEachContactsJSON() {
        var state = listed()
        state.shared.quota = QuotaStatus(
            snapshot: QuotaSnapshot(limit: 100, remaining: 90, resetAt: Self.now.addingTimeInterval(30), observedAt: Self.now),
            waitingUntil: nil, queued: 0)
        _ = press(&state, .character("M"), .character("b"), .character("e"))
        _ = state.reduce(.bulkPlanned(.success(plan(sending: 5, unchanged: 2))))
        let text = screen(state)
        #expect(text.contains("7 contact(s) · 5 request(s)"), "\(text)")
        #expect(text.contains("2 unchanged"))
        #expect(text.contains("ETA: within the current window"))
        #expect(text.contains("PUT /contacts/3  {\"customFields\":{\"plan\":\"pro\"}}"))
        #expect(text.contains("unchanged: 0 requests"))
        // y queues the plan; n would have gone back.
        #expect(press(&state, .character("y")) == [.startBulk(plan(sending: 5, unchanged: 2))])
        #expect(state.overlay == nil)
    }

    @Test func aReviewWithNothingToSendQueuesNothing() {
        var state = listed()
        _ = press(&state, .character("M"), .character("b"), .character("e"))
        _ = state.reduce(.bulkPlanned(.success(plan(sending: 0, unchanged: 10))))
        #expect(press(&state, .character("y")).isEmpty)
        #expect(state.notices.flash?.contains("already hold it") == true)
    }

    @Test func progressShowsInTheStatusBarUntilDoneAndXAsksBeforeCancelling() {
        var state = listed()
        _ = press(&state, .character("m"))
        state.shared.quota = QuotaStatus(
            snapshot: QuotaSnapshot(limit: 10, remaining: 2, resetAt: Self.now.addingTimeInterval(40), observedAt: Self.now),
            waitingUntil: nil, queued: 0)
        let run = BulkRun(batch: "bulk-x", summary: "set plan = \"pro\"", counts: [.pending: 20], startedAt: Self.now, resumed: false)
        _ = state.reduce(.bulkQueued(run))
        #expect(state.reduce(.tick(Self.now.addingTimeInterval(1))).contains(.watchBulk("bulk-x")))
        _ = state.reduce(.bulkProgress(batch: "bulk-x", [.done: 8, .pending: 12]))
        let text = screen(state)
        // 12 left at 8 background requests a window (2 kept back): the current window has
        // none left for background work, so two more windows.
        #expect(text.contains("bulk 8/20 · ETA"), "\(text)")
        #expect(text.contains("X cancel"))
        // Another bulk edit waits for this one.
        _ = press(&state, .character("b"))
        #expect(state.overlay == nil)
        #expect(state.notices.lastError?.contains("still being sent (8/20)") == true)
        state.notices.lastError = nil
        _ = press(&state, .character("X"))
        #expect(state.overlay == .confirmCancelBulk)
        #expect(screen(state).contains("12 update(s) not sent yet are dropped"))
        #expect(press(&state, .character("y")) == [.cancelBulk("bulk-x")])
        // Quitting meanwhile asks first, and says the rest stays queued.
        _ = press(&state, .character("q"))
        #expect(state.overlay == .confirmQuit && !state.shouldQuit)
        #expect(screen(state).contains("The 12 not sent stay queued"))
        _ = press(&state, .escape)
        _ = state.reduce(.bulkCancelled(batch: "bulk-x", dropped: 11, inFlight: 1))
        #expect(state.notices.flash?.contains("11 update(s) dropped unsent; 1 already on their way still go out") == true)
        _ = state.reduce(.bulkProgress(batch: "bulk-x", [.done: 9]))
        #expect(state.bulk == nil)
        #expect(state.notices.flash == "bulk edit cancelled: 9 sent before it stopped")
    }

    @Test func aFinishedRunWithRefusalsSaysSoAsAnError() {
        var state = listed()
        _ = state.reduce(.bulkQueued(BulkRun(batch: "bulk-y", summary: nil, counts: [.pending: 3], startedAt: Self.now, resumed: true)))
        #expect(state.notices.flash?.contains("resuming an earlier bulk edit: 3 of 3 left") == true)
        _ = state.reduce(.bulkProgress(batch: "bulk-y", [.done: 2, .failed: 1]))
        #expect(state.bulk == nil)
        #expect(state.notices.lastError == "bulk edit done: 2 of 3 sent, 1 refused (see minimo outbox list)")
    }
}
