import Foundation
import MinimoCache
import MinimoKit
import Testing

@testable import MinimoTUI

/// The panes drawn on the in-memory grid, compared with screens written as text.
@Suite struct AppViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func contact(_ fields: [String: JSONValue] = ["company": "Acme Corp", "plan": "enterprise"], consent: MarketingConsent? = .init(email: true, whatsapp: false)) -> Contact {
        Contact(
            id: "42", email: "customer@example.com", phone: "+393391234567", status: "active", source: "API",
            customFields: fields, company: 1, marketingConsent: consent,
            fields: ["id": 42, "email": "customer@example.com", "custom_fields": .object(fields)])
    }

    func state(columns: Int = 80, rows: Int = 24, contact: Contact? = nil) -> AppState {
        var state = AppState(size: TerminalSize(columns: columns, rows: rows), profile: "acme", host: "api.minimo.it", isDemo: false)
        state.now = Self.now
        state.shared.quota = QuotaStatus(
            snapshot: QuotaSnapshot(limit: 100, remaining: 87, resetAt: Self.now.addingTimeInterval(34), observedAt: Self.now),
            waitingUntil: nil, queued: 0)
        if let contact {
            state.contact = contact
            state.detail.source = .network
            state.detail.fetchedAt = Self.now.addingTimeInterval(-3)
        }
        state.definitions = [
            CustomFieldDefinition(key: "COMPANY", displayName: "Company", type: .text, category: "Company Info"),
            CustomFieldDefinition(key: "PLAN", displayName: "Plan", type: .select, allowedValues: ["free", "pro", "enterprise"]),
            CustomFieldDefinition(key: "SEATS", displayName: "Seats", type: .number),
        ]
        return state
    }

    func render(_ state: AppState) -> GridCanvas {
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        return canvas
    }

    @Test func consentPaneShowsProvenanceAndTheDraft() {
        var state = state(contact: contact())
        state.edit.consent.whatsapp = true
        var canvas = GridCanvas(columns: 60, rows: 4)
        PaneViews.consent(state, in: Rect(column: 0, row: 0, width: 60, height: 4), lines: .unicode, on: &canvas)
        #expect(canvas.lines() == [
            "┌ Marketing consent ───────────────────────────────────────┐",
            "│[x] Email     opted in (as the server says)               │",
            "│[x] WhatsApp  opted in — unsaved (server: out)            │",
            "└──────────────────────────────────────────────────────────┘",
        ])
    }

    @Test func consentUnknownWhenTheServerSaysNothing() {
        let state = state(contact: contact(consent: nil))
        var canvas = GridCanvas(columns: 50, rows: 4)
        PaneViews.consent(state, in: Rect(column: 0, row: 0, width: 50, height: 4), lines: .ascii, on: &canvas)
        #expect(canvas.lines() == [
            "+ Marketing consent -----------------------------+",
            "|[?] Email     unknown: the server did not say   |",
            "|[?] WhatsApp  unknown: the server did not say   |",
            "+------------------------------------------------+",
        ])
    }

    @Test func fieldsPaneUsesDefinitionLabelsTypesAndMarksChanges() {
        var state = state(contact: contact())
        state.focus = .fields
        state.edit.fields = ["plan": "pro", "seats": 12]
        var canvas = GridCanvas(columns: 50, rows: 6)
        _ = PaneViews.fields(state, in: Rect(column: 0, row: 0, width: 50, height: 6), lines: .unicode, on: &canvas)
        #expect(canvas.lines() == [
            "┌ Custom fields ──────── 2 unsaved · s to review ┐",
            "│ Company  \"Acme Corp\"                       text│",
            "│*Plan     \"pro\"                           select│",
            "│+Seats    12                              number│",
            "│                                                │",
            "└────────────────────────────────────────────────┘",
        ])
    }

    @Test func resultsWithWideCharactersStayAligned() {
        var state = state()
        state.focus = .results
        state.list.results = [
            ContactSummary(id: "1", email: "山田太郎@example.jp", phone: nil, fetchedAt: Self.now, deleted: false),
            ContactSummary(id: "2", email: "josé.müller@example.it", phone: nil, fetchedAt: Self.now, deleted: false),
        ]
        var canvas = GridCanvas(columns: 30, rows: 4)
        PaneViews.results(state, in: Rect(column: 0, row: 0, width: 30, height: 4), lines: .unicode, on: &canvas)
        #expect(canvas.lines() == [
            "┌ Contacts ─────────────── 2 ┐",
            "│ 山田太郎@example.jp        │",
            "│ josé.müller@example.it     │",
            "└────────────────────────────┘",
        ])
        #expect(canvas.style(row: 1, column: 2) == .selection)
    }

    @Test func hostileStringsAreShownEscapedAndNeverReachTheGridRaw() {
        let hostile: JSONValue = "\u{1B}]0;pwned\u{07}\u{1B}[2J\rEVIL\u{202E}txt.exe\u{9B}31m"
        var state = state(columns: 200, contact: contact(["notes": hostile]))
        state.list.results = [ContactSummary(id: "1", email: "a\u{1B}[31m@x.it", phone: nil, fetchedAt: Self.now, deleted: false)]
        let canvas = render(state)
        let text = canvas.lines().joined(separator: "\n")
        let forbidden = text.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value)
        }
        #expect(forbidden.isEmpty)
        #expect(text.contains("a\\x1B[31m@x.it"))
        #expect(text.contains("<U+202E>"))
    }

    @Test func theWholeScreenAt80x24() {
        let canvas = render(state(contact: contact()))
        let lines = canvas.lines()
        #expect(lines.count == 24)
        #expect(lines[0].hasPrefix("┌ Search email"))
        #expect(lines[0].hasSuffix("┐"))
        #expect(lines.contains { $0.contains("customer@example.com") })
        #expect(lines.contains { $0.contains("\"enterprise\"") })
        #expect(lines[23].contains("quota 87/100 · reset 34s"))
        #expect(lines.allSatisfy { TerminalText.displayWidth($0) <= 80 })
    }

    @Test func detailPaneSaysWhereTheDataCameFrom() {
        var state = state(contact: contact())
        state.detail.source = .staleCache
        state.detail.fetchedAt = Self.now.addingTimeInterval(-400)
        var canvas = GridCanvas(columns: 64, rows: 6)
        PaneViews.detail(state, in: Rect(column: 0, row: 0, width: 64, height: 6), lines: .unicode, on: &canvas)
        #expect(canvas.lines() == [
            "┌ Contact #42 ─────────────── STALE · 6 min old · revalidating ┐",
            "│email    customer@example.com                                 │",
            "│phone    +393391234567                                        │",
            "│status   active · source API                                  │",
            "│company  1                                                    │",
            "└──────────────────────────────────────────────────────────────┘",
        ])
    }

    @Test func searchPaneShowsTheQueryAndPlacesTheCursor() {
        var state = state()
        for character in "anna@" { _ = state.search.handle(.character(character)) }
        var canvas = GridCanvas(columns: 30, rows: 3)
        let cursor = PaneViews.search(state, in: Rect(column: 0, row: 0, width: 30, height: 3), lines: .unicode, on: &canvas)
        #expect(canvas.lines() == [
            "┌ Search email ─ Enter: loo… ┐",
            "│anna@                       │",
            "└────────────────────────────┘",
        ])
        #expect(cursor?.row == 1 && cursor?.column == 6)
    }

    @Test func rawViewShowsStatusHeadersMaskedAndColouredJSON() throws {
        let exchange = RawExchange(
            startedAt: Self.now, method: "GET", url: "http://127.0.0.1:1/public/v1/contacts/by-email/a%40b.it",
            requestHeaders: [HTTPHeader("Authorization", "Bearer mn-te…•••")], requestBody: nil, status: 200,
            responseHeaders: [HTTPHeader("X-RateLimit-Remaining", "86")],
            responseBody: Data(#"{"data":{"id":42,"vip":true}}"#.utf8), duration: 0.012,
            quotaAfter: QuotaSnapshot(limit: 100, remaining: 86, resetAt: nil, observedAt: Self.now), error: nil, attempt: 1)
        var state = state(contact: contact())
        state.detail.rawView = true
        state.exchanges = [exchange]
        var canvas = GridCanvas(columns: 90, rows: 16)
        RawExchangeView.pane(state, in: Rect(column: 0, row: 0, width: 90, height: 16), lines: .unicode, on: &canvas)
        let lines = canvas.lines().map { String($0.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
        #expect(lines[1] == "GET /public/v1/contacts/by-email/a%40b.it → 200 · 12 ms · quota 86/100")
        #expect(lines.contains("Authorization: Bearer mn-te…•••"))
        #expect(lines.contains("\"id\": 42,"))
        let row = try #require(lines.firstIndex { $0.contains("\"vip\": true") })
        let line = canvas.line(row)
        let keyColumn = line.distance(from: line.startIndex, to: line.range(of: "\"vip\"")!.lowerBound)
        let literalColumn = line.distance(from: line.startIndex, to: line.range(of: "true")!.lowerBound)
        #expect(canvas.style(row: row, column: keyColumn).role == .accent)
        #expect(canvas.style(row: row, column: literalColumn).role == .accent)
        let statusLine = canvas.line(1)
        let statusColumn = statusLine.distance(from: statusLine.startIndex, to: statusLine.range(of: "200")!.lowerBound)
        #expect(canvas.style(row: 1, column: statusColumn).role == .success)
    }

    @Test func helpListsEverySectionOfTheBindingsTable() {
        var state = state(columns: 160, rows: 120)
        state.overlay = .help
        let text = render(state).lines().joined(separator: "\n")
        for section in state.bindings.helpSections {
            #expect(text.contains(section.title))
            for row in section.rows { #expect(text.contains(row.keys), "\(row.keys) in \(section.title)") }
        }
    }

    @Test func tooSmallSaysSo() {
        let canvas = render(state(columns: 50, rows: 12))
        #expect(canvas.lines().contains { $0.contains("Terminal too small: 50×12, need at least 60×16") })
    }

    @Test func saveReviewShowsTheExactBody() {
        var state = state(contact: contact())
        state.edit.fields = ["plan": "pro", "notes": .null]
        state.edit.consent.whatsapp = true
        state.overlay = .saveReview
        let text = render(state).lines().joined(separator: "\n")
        #expect(text.contains("Review: PUT /contacts/42"))
        #expect(text.contains("\"plan\": \"pro\""))
        #expect(text.contains("\"notes\": null"))
        #expect(text.contains("\"whatsapp\": true"))
        #expect(state.pendingUpdate.json.jsonText == #"{"customFields":{"notes":null,"plan":"pro"},"marketingConsent":{"whatsapp":true}}"#)
    }
}

/// The reducer: keys in, state and effects out, no terminal, no server.
@Suite struct AppReducerTests {
    func opened() -> AppState {
        var state = AppState(size: TerminalSize(columns: 100, rows: 30), profile: nil, host: nil, isDemo: true)
        let contact = Contact(id: "7", email: "a@b.it", customFields: ["seats": 3, "plan": "free"], fields: ["id": 7])
        _ = state.reduce(.contactLoaded(ContactLookup(contact: contact, source: .network, age: 0)))
        state.focus = .fields
        return state
    }

    @Test func typingSearchesAndEnterLooksUpTheExactEmail() {
        var state = AppState(size: TerminalSize(columns: 100, rows: 30), profile: nil, host: nil, isDemo: true)
        #expect(state.reduce(.key(.character("a"))) == [.search("a")])
        #expect(state.reduce(.key(.character("@"))) == [.search("a@")])
        for character in "b.it" { _ = state.reduce(.key(.character(character))) }
        #expect(state.reduce(.key(.enter)) == [.lookup(email: "a@b.it", refresh: false)])
    }

    @Test func aNumberStaysANumberAndBadInputIsRefusedInPlace() {
        var state = opened()
        let seats = state.fieldRows.firstIndex { $0.key == "seats" }!
        state.detail.fieldSelection = seats
        _ = state.reduce(.key(.character("e")))
        _ = state.reduce(.key(.control("u")))
        for character in "many" { _ = state.reduce(.key(.character(character))) }
        _ = state.reduce(.key(.enter))
        #expect(state.editing?.error == "a number is expected, like 42 or 3.5")
        _ = state.reduce(.key(.control("u")))
        for character in "12" { _ = state.reduce(.key(.character(character))) }
        _ = state.reduce(.key(.enter))
        #expect(state.editing == nil)
        #expect(state.edit.fields["seats"] == .int(12))
        _ = state.reduce(.key(.character("u")))
        #expect(state.edit.fields.isEmpty)
    }

    @Test func saveSendsOnlyWhatChangedAfterReview() {
        var state = opened()
        state.detail.fieldSelection = state.fieldRows.firstIndex { $0.key == "plan" }!
        _ = state.reduce(.key(.character("d")))
        _ = state.reduce(.key(.character("y")))
        #expect(state.edit.fields == ["plan": .null])
        #expect(state.reduce(.key(.character("s"))).isEmpty)
        #expect(state.overlay == .saveReview)
        let effects = state.reduce(.key(.character("y")))
        #expect(effects == [.save("7", ContactUpdate(customFields: ["plan": .null]))])
        #expect(state.edit.fields.isEmpty)
    }

    @Test func quitAsksFirstOnlyWithUnsavedChanges() {
        var clean = opened()
        _ = clean.reduce(.key(.character("q")))
        #expect(clean.shouldQuit)
        var dirty = opened()
        _ = dirty.reduce(.key(.character("a")))
        for character in "vip" { _ = dirty.reduce(.key(.character(character))) }
        _ = dirty.reduce(.key(.enter))
        for character in "true" { _ = dirty.reduce(.key(.character(character))) }
        _ = dirty.reduce(.key(.enter))
        #expect(dirty.edit.fields["vip"] == .string("true"))  // no definition: text
        _ = dirty.reduce(.key(.character("q")))
        #expect(!dirty.shouldQuit)
        #expect(dirty.overlay == .confirmQuit)
        _ = dirty.reduce(.key(.escape))
        #expect(dirty.overlay == nil && !dirty.shouldQuit)
    }
}
