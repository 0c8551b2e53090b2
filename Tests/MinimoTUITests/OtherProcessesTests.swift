import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// Other minimo processes on the same cache (a sync from cron, a `contacts update` loop): the
/// reducer's side of the once-a-second watch. No terminal, no server, no database: watches and
/// reloads go in as actions, effects come out as data.
@Suite struct OtherProcessesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func contact(plan: String = "free", seats: Int64 = 3) -> Contact {
        Contact(
            id: "7", email: "a@b.it", customFields: ["seats": .int(seats), "plan": .string(plan)],
            fields: ["id": 7, "email": "a@b.it", "custom_fields": ["seats": .int(seats), "plan": .string(plan)]])
    }

    /// The contact opened (from the API) and the first look at the cache done, its row unchanged.
    func opened() -> AppState {
        var state = AppState(size: TerminalSize(columns: 160, rows: 30), profile: "acme", host: "api.minimo.it", isDemo: false)
        state.now = Self.now
        _ = state.reduce(.contactLoaded(ContactLookup(contact: contact(), source: .network, age: 0)))
        state.focus = .fields
        _ = state.reduce(.cacheWatched(watch(digest: 1), ownWork: true))
        _ = state.reduce(.contactReloaded(contact(), fetchedAt: Self.now, CacheChange(byOtherProcess: false)))
        return state
    }

    func watch(
        unsent: [OutboxEntry.State: Int] = [:], digest: UInt64, fetchedAt: Double = 1_800_000_000,
        contactOutbox: [OutboxEntry.State: Int] = [:], id: ContactID = "7"
    ) -> CacheWatch {
        // The contact's held and refused entries in these tests are another process's.
        var mark = CacheWatch.Mark(id: id, isCached: true, fetchedAt: fetchedAt, length: 80, digest: digest, outbox: contactOutbox)
        mark.heldForOthers = contactOutbox.filter { $0.key == .conflict || $0.key == .failed }
        return CacheWatch(outbox: unsent, lastOutboxSeq: 10, contact: mark)
    }

    func screen(_ state: AppState) -> String {
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        return canvas.lines().joined(separator: "\n")
    }

    func typeDraft(_ state: inout AppState, seats: String) {
        state.detail.fieldSelection = state.fieldRows.firstIndex { $0.key == "seats" }!
        _ = state.reduce(.key(.character("e")))
        _ = state.reduce(.key(.control("u")))
        for character in seats { _ = state.reduce(.key(.character(character))) }
        _ = state.reduce(.key(.enter))
    }

    @Test func eachTickAsksForALookAtTheCacheForTheOpenContact() {
        var empty = AppState(size: TerminalSize(columns: 100, rows: 30), profile: nil, host: nil, isDemo: true)
        #expect(empty.reduce(.tick(Self.now)) == [.watchCache(nil)])
        var state = opened()
        #expect(state.reduce(.tick(Self.now.addingTimeInterval(1))) == [.watchCache("7")])
    }

    @Test func theUnsentCountIsEveryProcesssOutbox() {
        var state = opened()
        #expect(state.reduce(.cacheWatched(watch(unsent: [.pending: 2, .failed: 1], digest: 1), ownWork: false)).isEmpty)
        #expect(state.shared.unsentEdits == 3)
        #expect(screen(state).contains("3 unsent"))
        _ = state.reduce(.cacheWatched(watch(digest: 1), ownWork: false))
        #expect(state.shared.unsentEdits == 0)
        #expect(!screen(state).contains("unsent"))
    }

    @Test func aChangedRowIsReloadedAndTheScreenSaysAnotherProcessChangedIt() {
        var state = opened()
        #expect(state.notices.flash == nil, "the first look found what the screen shows: nothing to say")
        let effects = state.reduce(.cacheWatched(watch(digest: 2), ownWork: false))
        #expect(effects == [.reloadContact("7", CacheChange(byOtherProcess: true))])
        let newer = contact(plan: "pro")
        #expect(
            state.reduce(.contactReloaded(newer, fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
                == [.loadExchanges(newer), .loadContactOutbox("7")])
        #expect(state.contact?.customFields["plan"] == "pro")
        #expect(state.notices.flash == "updated by another minimo process")
        #expect(state.detail.externalChange == .reloaded)
        let text = screen(state)
        #expect(text.contains("\"pro\""))
        #expect(text.contains("updated by another process"))
        #expect(text.contains("│ updated by another minimo process"))
        // The same mark again: nothing more to read.
        #expect(state.reduce(.cacheWatched(watch(digest: 2), ownWork: false)).isEmpty)
    }

    @Test func aChangeWhileThisProcessWorkedIsNotBlamedOnAnother() {
        var state = opened()
        let effects = state.reduce(.cacheWatched(watch(digest: 2), ownWork: true))
        #expect(effects == [.reloadContact("7", CacheChange(byOtherProcess: false))])
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: false)))
        #expect(state.contact?.customFields["plan"] == "pro")
        #expect(state.notices.flash == "reloaded: a newer copy was cached")
        #expect(state.detail.externalChange == nil)
    }

    @Test func theSameValuesFetchedAgainElsewhereOnlyRenewTheAge() {
        var state = opened()
        _ = state.reduce(.cacheWatched(watch(digest: 1, fetchedAt: 1_800_000_060), ownWork: false))
        _ = state.reduce(.contactReloaded(contact(), fetchedAt: Self.now.addingTimeInterval(60), CacheChange(byOtherProcess: true)))
        #expect(state.notices.flash == nil)
        #expect(state.detail.fetchedAt == Self.now.addingTimeInterval(60))
        #expect(state.detail.source == .freshCache)
    }

    @Test func unsavedChangesAreNeverOverwrittenOnlyTold() {
        var state = opened()
        typeDraft(&state, seats: "12")
        #expect(state.edit.fields == ["seats": .int(12)])
        _ = state.reduce(.cacheWatched(watch(digest: 2), ownWork: false))
        // Nothing shown changes: only the contact's unsent edits are read again (to mark them).
        #expect(
            state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
                == [.loadContactOutbox("7")])
        // The screen still shows what the user is editing, and says what happened.
        #expect(state.contact?.customFields["plan"] == "free")
        #expect(state.edit.fields == ["seats": .int(12)])
        #expect(state.detail.externalChange == .held)
        #expect(state.notices.flash == "changed by another process; your edits are kept until saved or undone")
        #expect(screen(state).contains("changed elsewhere · your edits kept"))

        // Undone: nothing of the user's left to protect, the newer copy shows.
        _ = state.reduce(.key(.character("u")))
        #expect(state.edit.fields.isEmpty)
        #expect(state.contact?.customFields["plan"] == "pro")
        #expect(state.detail.heldReload == nil)
        #expect(state.detail.externalChange == .reloaded)
        #expect(state.notices.flash == "showing another minimo process's change")
    }

    @Test func aFieldBeingTypedIsLeftAloneUntilTheEditEnds() {
        var state = opened()
        state.detail.fieldSelection = state.fieldRows.firstIndex { $0.key == "seats" }!
        _ = state.reduce(.key(.character("e")))
        _ = state.reduce(.key(.character("9")))
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        #expect(state.editing?.editor.text == "39")
        #expect(state.contact?.customFields["plan"] == "free")
        _ = state.reduce(.key(.escape))
        #expect(state.editing == nil)
        #expect(state.contact?.customFields["plan"] == "pro")
    }

    @Test func savingAfterAHeldChangeShowsTheSavedCopyWhichHoldsBoth() {
        var state = opened()
        typeDraft(&state, seats: "12")
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        _ = state.reduce(.key(.character("s")))
        #expect(state.reduce(.key(.character("y"))) == [.save("7", ContactUpdate(customFields: ["seats": .int(12)]))])
        // Sending: the held copy waits for the save's answer rather than flash up without the edit.
        #expect(state.contact?.customFields["plan"] == "free")
        let saved = contact(plan: "pro", seats: 12)
        _ = state.reduce(.saveFinished(contact: saved, message: "saved: PUT /contacts/7 → 200", isError: false, unsent: 0))
        #expect(state.contact == saved)
        #expect(state.detail.heldReload == nil)
        #expect(state.detail.externalChange == .reloaded)
    }

    @Test func aReloadDuringThisScreensOwnLookupWaitsForItsAnswer() {
        var state = opened()
        _ = state.reduce(.key(.character("R")))
        #expect(state.notices.pending != nil)
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        #expect(state.contact?.customFields["plan"] == "free")
        #expect(state.notices.flash == nil)
        // The lookup answers with the newest copy: that one shows, and the held one is dropped.
        _ = state.reduce(.contactLoaded(ContactLookup(contact: contact(plan: "enterprise"), source: .network, age: 0)))
        #expect(state.contact?.customFields["plan"] == "enterprise")
        #expect(state.detail.heldReload == nil)

        // The lookup fails instead: the held copy shows then.
        var failing = opened()
        _ = failing.reduce(.key(.character("R")))
        _ = failing.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        _ = failing.reduce(.contactFailed(email: "a@b.it", message: "no answer", offline: true))
        #expect(failing.contact?.customFields["plan"] == "pro")
        #expect(failing.detail.externalChange == .reloaded)
    }

    @Test func anotherProcessesEditOfThisContactRefusedOrHeldIsNoticed() {
        var state = opened()
        _ = state.reduce(.cacheWatched(watch(unsent: [.pending: 1], digest: 2, contactOutbox: [.pending: 1]), ownWork: false))
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        #expect(state.contact?.customFields["plan"] == "pro")
        let refused = state.reduce(.cacheWatched(watch(unsent: [.failed: 1], digest: 2, contactOutbox: [.failed: 1]), ownWork: false))
        #expect(refused == [.reloadContact("7", CacheChange(byOtherProcess: true, outboxNote: "refused"))])
        _ = state.reduce(.contactReloaded(
            contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true, outboxNote: "refused")))
        #expect(state.notices.flash == "another process's edit refused: O to resolve")
        #expect(state.shared.unsentEdits == 1)
        let held = state.reduce(.cacheWatched(watch(unsent: [.conflict: 1], digest: 2, contactOutbox: [.conflict: 1]), ownWork: false))
        #expect(held == [.reloadContact("7", CacheChange(byOtherProcess: true, outboxNote: "held as a conflict"))])
    }

    @Test func aWatchOfAnotherContactOrAForgottenRowReadsNothing() {
        var state = opened()
        #expect(state.reduce(.cacheWatched(watch(digest: 9, id: "8"), ownWork: false)).isEmpty)
        let forgotten = CacheWatch(contact: CacheWatch.Mark(id: "7", isCached: false))
        #expect(state.reduce(.cacheWatched(forgotten, ownWork: false)).isEmpty)
        // A reload answer for a contact no longer open is dropped.
        _ = state.reduce(.contactLoaded(ContactLookup(contact: Contact(id: "8", email: "c@d.it", fields: ["id": 8]), source: .network, age: 0)))
        _ = state.reduce(.contactReloaded(contact(plan: "pro"), fetchedAt: Self.now, CacheChange(byOtherProcess: true)))
        #expect(state.contact?.id == "8")
        #expect(state.notices.flash == nil)
    }
}
