import Foundation
import MinimoCache
import MinimoKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import MinimoTUI

/// One string of the hostile corpus (`Fixtures/hostile-strings.json`, written by
/// `scripts/hostile-strings.py`).
struct HostileString: Sendable, CustomTestStringConvertible {
    enum Form: Sendable { case text, surrogateJSON, invalidUTF8 }

    let name: String
    let category: String
    let form: Form
    /// The string; for the two raw forms, what a tolerant reader shows of them: the JSON
    /// literal as text, or the bytes with U+FFFD where they are not UTF-8.
    let text: String
    /// A JSON string literal (quotes included) that reads as this entry in a body: the
    /// encoded text, the raw literal with lone surrogates, or the invalid bytes in quotes.
    let literal: [UInt8]

    var testDescription: String { "\(category)/\(name)" }

    /// A contact body holding the entry in a custom field, as the by-email endpoint answers.
    var contactBody: Data {
        Data(#"{"data":{"id":42,"email":"customer@example.com","custom_fields":{"note":"#.utf8 + literal + "}}}".utf8)
    }
}

enum HostileCorpus {
    private struct File: Decodable {
        struct Entry: Decodable {
            let name: String
            let category: String
            let text: String?
            let `repeat`: String?
            let count: Int?
            let prefix: String?
            let suffix: String?
            let json: String?
            let base64: String?
        }
        let strings: [Entry]
    }

    static let all: [HostileString] = (try? load()) ?? []

    /// Every category the issue names, as the corpus spells them.
    static let requiredCategories: Set<String> = [
        "c0", "c1", "del", "cr-overwrite", "backspace", "csi", "osc", "dcs", "apc", "bidi", "zero-width", "combining",
        "lone-surrogate", "invalid-utf8", "long", "nul",
    ]

    static func load() throws -> [HostileString] {
        let url = try #require(Bundle.module.url(forResource: "hostile-strings", withExtension: "json", subdirectory: "Fixtures"))
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return try file.strings.map { entry in
            if let text = entry.text {
                return HostileString(
                    name: entry.name, category: entry.category, form: .text, text: text,
                    literal: Array(JSONValue.string(text).serialized()))
            }
            if let unit = entry.repeat, let count = entry.count {
                let text = (entry.prefix ?? "") + String(repeating: unit, count: count) + (entry.suffix ?? "")
                return HostileString(
                    name: entry.name, category: entry.category, form: .text, text: text,
                    literal: Array(JSONValue.string(text).serialized()))
            }
            if let json = entry.json {
                return HostileString(name: entry.name, category: entry.category, form: .surrogateJSON, text: json, literal: Array(json.utf8))
            }
            let bytes = try #require(entry.base64.flatMap { Data(base64Encoded: $0) }, "\(entry.name) has no string")
            return HostileString(
                name: entry.name, category: entry.category, form: .invalidUTF8, text: String(decoding: bytes, as: UTF8.self),
                literal: [0x22] + Array(bytes) + [0x22])
        }
    }
}

/// What may reach the terminal, judged independently of `TerminalText`.
enum TerminalSafety {
    /// Never on a terminal raw: C0, DEL, C1; bidi controls; invisible format characters and
    /// fillers; line and paragraph separators; noncharacters and unassigned code points.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        case 0x00AD, 0x115F, 0x1160, 0x180E, 0x200B, 0x2028, 0x2029, 0x2060...0x2064, 0x206A...0x206F, 0x3164, 0xFEFF,
            0xFFA0, 0xFFF9...0xFFFB, 0x0600...0x0605:
            return true
        case 0xFDD0...0xFDEF: return true
        default: break
        }
        if value & 0xFFFE == 0xFFFE { return true }
        return scalar.properties.generalCategory == .unassigned
    }

    static func isJoiner(_ scalar: Unicode.Scalar) -> Bool { scalar.value == 0x200C || scalar.value == 0x200D }

    static func isTag(_ scalar: Unicode.Scalar) -> Bool { (0xE0000...0xE007F).contains(scalar.value) }

    /// How `TerminalText` shows a scalar it escapes.
    static func notation(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F, 0x7F...0x9F: return "\\x" + hex(scalar.value, digits: 2)
        default: return "<U+" + hex(scalar.value, digits: 4) + ">"
        }
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// What is wrong with text bound for the terminal; empty when it is safe. Joiners may only
    /// join (never first, never doubled, a few per character), tags only spell a flag, and no
    /// character carries more than a handful of scalars.
    static func problems(in text: String) -> [String] {
        var found: [String] = []
        for character in text {
            let scalars = Array(character.unicodeScalars)
            for scalar in scalars where isForbidden(scalar) { found.append("raw U+\(hex(scalar.value, digits: 4))") }
            for (index, scalar) in scalars.enumerated() where isJoiner(scalar) {
                if index == 0 { found.append("a joiner that joins nothing") }
                if index > 0, isJoiner(scalars[index - 1]) { found.append("two joiners in a row") }
            }
            if scalars.filter(isJoiner).count > TerminalText.maxJoinersPerCharacter { found.append("a joiner flood") }
            let tags = scalars.filter(isTag).count
            if tags > 0, scalars.first?.value != 0x1F3F4 || tags > 7 { found.append("tag characters outside a flag") }
            if scalars.count > TerminalText.maxScalarsPerCharacter + 1 { found.append("a character of \(scalars.count) scalars") }
        }
        return found
    }

    /// Columns the terminal itself gives each scalar (glibc `wcwidth` in C.UTF-8, as tmux and
    /// ncurses measure); nil where that cannot be asked.
    static func terminalWidths(_ scalars: Set<Unicode.Scalar>) -> [Unicode.Scalar: Int]? {
        #if canImport(Glibc)
        guard let wcwidth, let utf8 = newlocale(Int32(LC_CTYPE_MASK), "C.UTF-8", nil) else { return nil }
        defer { freelocale(utf8) }
        // The locale of this thread only, and back before returning: no other test sees it.
        let previous = uselocale(utf8)
        defer { uselocale(previous) }
        return Dictionary(uniqueKeysWithValues: scalars.map { ($0, Int(wcwidth(Int32(bitPattern: $0.value)))) })
        #else
        return nil
        #endif
    }

    #if canImport(Glibc)
    /// `wcwidth` is not in the Glibc module's interface: looked up in libc.
    nonisolated(unsafe) static let wcwidth: (@convention(c) (Int32) -> Int32)? = dlsym(dlopen(nil, RTLD_NOW), "wcwidth")
        .map { unsafeBitCast($0, to: (@convention(c) (Int32) -> Int32).self) }
    #endif
}

/// A rendered screen checked cell by cell.
struct ScreenCheck {
    let canvas: GridCanvas
    /// Panes drawn with a border that nothing covers.
    let panes: [Rect]

    var problems: [String] {
        var found: [String] = []
        let size = canvas.size
        var everyScalar = Set<Unicode.Scalar>()
        for row in 0..<size.rows {
            for column in 0..<size.columns where !canvas.cell(row: row, column: column).text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
                everyScalar.formUnion(canvas.cell(row: row, column: column).text.unicodeScalars)
            }
        }
        let terminalWidths = TerminalSafety.terminalWidths(everyScalar)
        for row in 0..<size.rows {
            var columns = 0
            for column in 0..<size.columns {
                let cell = canvas.cell(row: row, column: column)
                if cell.isContinuation {
                    if column == 0 || canvas.cell(row: row, column: column - 1).width != 2 {
                        found.append("(\(row),\(column)): the right half of no wide character")
                    }
                    continue
                }
                columns += cell.width
                // Printable ASCII, one column in every terminal: nothing more to check.
                if cell.width == 1, cell.text.utf8.count == 1, let byte = cell.text.utf8.first, (0x20...0x7E).contains(byte) { continue }
                if cell.width == 2, column + 1 >= size.columns || !canvas.cell(row: row, column: column + 1).isContinuation {
                    found.append("(\(row),\(column)): a wide character without its right half")
                }
                found += TerminalSafety.problems(in: cell.text).map { "(\(row),\(column)): \($0)" }
                guard let first = cell.text.first else {
                    found.append("(\(row),\(column)): an empty cell")
                    continue
                }
                if TerminalText.width(of: first) != cell.width {
                    found.append("(\(row),\(column)): \(TerminalText.width(of: first)) columns in a cell of \(cell.width)")
                }
                if cell.text.dropFirst().contains(where: { TerminalText.width(of: $0) != 0 }) {
                    found.append("(\(row),\(column)): two spacing characters in one cell")
                }
                // The terminal must agree: never wider than the cell (it would cover the next
                // one, a border perhaps), never unprintable.
                if let widths = terminalWidths {
                    let scalars = Array(cell.text.unicodeScalars)
                    let first = widths[scalars[0]] ?? -1
                    if first < 1 || first > cell.width {
                        found.append("(\(row),\(column)): the terminal gives U+\(TerminalSafety.hex(scalars[0].value, digits: 4)) \(first) columns, the cell has \(cell.width)")
                    }
                    if scalars.contains(where: { (widths[$0] ?? -1) < 0 }) { found.append("(\(row),\(column)): a scalar the terminal cannot print") }
                }
            }
            if columns != size.columns { found.append("row \(row) is \(columns) columns wide, not \(size.columns)") }
        }
        for pane in panes {
            let right = pane.maxColumn - 1
            let bottom = pane.maxRow - 1
            let corners = [(pane.row, pane.column, "┌"), (pane.row, right, "┐"), (bottom, pane.column, "└"), (bottom, right, "┘")]
            for (row, column, corner) in corners where canvas.cell(row: row, column: column).text != corner {
                found.append("(\(row),\(column)): '\(canvas.cell(row: row, column: column).text)' where the corner \(corner) belongs")
            }
            for row in (pane.row + 1)..<bottom {
                for column in [pane.column, right] where canvas.cell(row: row, column: column).text != "│" {
                    found.append("(\(row),\(column)): '\(canvas.cell(row: row, column: column).text)' where the border │ belongs")
                }
            }
        }
        return found
    }

    /// The text of `row` from `column` to `end` (exclusive), cell by cell.
    func text(row: Int, from column: Int, to end: Int) -> String {
        (column..<end).map { canvas.cell(row: row, column: $0).text }.joined()
    }
}

/// Serialized: its 512 cases are CPU-bound and synchronous. Run in parallel, they flood Swift's
/// cooperative pool (2 threads on a 2-core machine) with hundreds of queued jobs, and the
/// in-process sandboxes of the other suites, whose handlers run on that same pool, waited behind
/// them for 10 to 20 s: requests hit their deadlines (seen on CI and locally). One case at a time
/// leaves the pool to everyone else.
@Suite(.serialized) struct HostileStringTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theCorpusHasEveryCategoryAndAtLeast200Strings() throws {
        let corpus = try HostileCorpus.load()
        #expect(corpus.count >= 200)
        #expect(Set(corpus.map(\.name)).count == corpus.count, "names are unique")
        let categories = Set(corpus.map(\.category))
        #expect(categories.isSuperset(of: HostileCorpus.requiredCategories), "missing: \(HostileCorpus.requiredCategories.subtracting(categories))")
        #expect(corpus.filter { $0.category == "long" }.allSatisfy { $0.text.unicodeScalars.count >= 100_000 })
        #expect(corpus.contains { $0.text.contains("\u{1B}]0;PWNED\u{07}") })
        #expect(corpus.contains { $0.text.contains("\u{1B}]52;") })
        #expect(corpus.contains { $0.text.contains("\u{1B}]8;") })
        // The raw forms really are what JSON text and UTF-8 cannot carry.
        for entry in corpus where entry.form != .text {
            #expect(throws: (any Error).self, "\(entry.name)") { try JSONSerialization.jsonObject(with: entry.contactBody) }
        }
        for entry in corpus where entry.form == .text {
            #expect(try Contact.decode(entry.contactBody).customFields["note"] == .string(entry.text), "\(entry.name)")
        }
    }

    @Test(.serialized, arguments: HostileCorpus.all)
    func sanitisedTextIsSafeVisiblyEscapedAndBounded(_ entry: HostileString) {
        let clean = TerminalText.sanitize(entry.text)
        let problems = TerminalSafety.problems(in: clean)
        #expect(problems.isEmpty, "\(Set(problems).sorted().prefix(5))")
        // Every forbidden scalar shows as its escape, as often as it occurs.
        var counts: [Unicode.Scalar: Int] = [:]
        for scalar in entry.text.unicodeScalars where TerminalSafety.isForbidden(scalar) { counts[scalar, default: 0] += 1 }
        for (scalar, count) in counts {
            let shown = occurrences(of: TerminalSafety.notation(scalar), in: clean)
            #expect(shown >= count, "U+\(TerminalSafety.hex(scalar.value, digits: 4)) occurs \(count) times, shown escaped \(shown) times")
        }
        // One line, and at most as wide as every scalar escaped (`<U+10FFFF>` is the longest).
        #expect(!clean.contains("\n") && !clean.contains("\r"))
        #expect(TerminalText.displayWidth(clean) <= 10 * entry.text.unicodeScalars.count + 12)
        #expect(TerminalText.sanitize(clean) == clean, "sanitising twice changes nothing")
    }

    /// Renders the main screen with every server string of a contact holding the entry, the
    /// raw view of a body holding it, and the save review of a draft holding it. Serialized:
    /// 256 CPU-bound cases at once take every thread of the concurrency pool for half a minute,
    /// and the in-process sandboxes of other suites, which need those threads, stop answering
    /// (CI saw every retry test time out at 40 s).
    @Test(.serialized, arguments: HostileCorpus.all)
    func renderedScreensKeepEveryCellAndBorderInPlace(_ entry: HostileString) throws {
        let text = entry.text
        var state = state(holding: text, body: entry.contactBody)
        let layout = Layout(size: state.size)
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let main = ScreenCheck(canvas: canvas, panes: [layout.search, layout.results, layout.detail, layout.fields, layout.consent])
        #expect(main.problems.isEmpty, "main: \(main.problems.prefix(5))")

        // The email is shown escaped, from its first visible column.
        let inner = layout.detail.inset(by: 1)
        let shown = main.text(row: inner.row, from: inner.column + 9, to: inner.maxColumn)
        let visible = String(TerminalText.sanitize(text).drop { TerminalText.width(of: $0) == 0 })
        let expected = TerminalText.prefix(visible, columns: 24)
        #expect(Array(shown.unicodeScalars).starts(with: expected.unicodeScalars), "shown \(shown.debugDescription), expected \(expected.debugDescription)")
        // The error from the server, in the status bar, as well.
        let status = main.text(row: layout.status.row, from: 0, to: state.size.columns)
        #expect(status.contains("error: HTTP 422:"))

        state.detail.rawView = true
        state.focus = .detail
        var raw = GridCanvas(size: state.size)
        AppView.render(state, on: &raw)
        let rawCheck = ScreenCheck(canvas: raw, panes: [layout.search, layout.results, layout.right])
        #expect(rawCheck.problems.isEmpty, "raw view: \(rawCheck.problems.prefix(5))")

        state.detail.rawView = false
        state.size = TerminalSize(columns: 80, rows: 24)
        state.edit.fields = ["note": .string(text), text: .string(text)]
        state.overlay = .saveReview
        var review = GridCanvas(size: state.size)
        AppView.render(state, on: &review)
        let reviewCheck = ScreenCheck(canvas: review, panes: [Layout(size: state.size).search])
        #expect(reviewCheck.problems.isEmpty, "save review: \(reviewCheck.problems.prefix(5))")

        state.overlay = .confirmDelete(key: text)
        var dialog = GridCanvas(size: state.size)
        AppView.render(state, on: &dialog)
        let dialogCheck = ScreenCheck(canvas: dialog, panes: [])
        #expect(dialogCheck.problems.isEmpty, "delete dialog: \(dialogCheck.problems.prefix(5))")

        // A failed lookup's reason, wrapped under the search box. Not for the 100k values:
        // `TerminalText.wrap` measures the rest of the text again after every line it cuts, so
        // a 100k-character reason takes minutes (reported; TerminalText+Wrap.swift).
        guard text.unicodeScalars.count < 10_000 else { return }
        state.overlay = nil
        state.list.results = []
        state.search = LineEditor(text: text)
        state.notices.lookupFailure = (email: text, message: "[HTTP 422 validation_error] " + text)
        var failure = GridCanvas(size: state.size)
        AppView.render(state, on: &failure)
        let small = Layout(size: state.size)
        let failureCheck = ScreenCheck(canvas: failure, panes: [small.search, small.results, small.detail, small.fields, small.consent])
        #expect(failureCheck.problems.isEmpty, "lookup failure: \(failureCheck.problems.prefix(5))")
        let reason = failureCheck.text(row: small.results.row + 1, from: small.results.column + 1, to: small.results.maxColumn - 1)
        #expect(reason.hasPrefix("Lookup failed:"), "\(reason.debugDescription)")
    }

    @Test func sanitiserKeepsWhatLegitimateTextNeeds() {
        // Joiners that join, a flag's tags, a variation selector on its emoji, Persian ZWNJ.
        for text in ["👩‍💻", "👨‍👩‍👧‍👦", "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", "❤️", "می\u{200C}خواهم", "🇮🇹"] {
            #expect(TerminalText.sanitize(text) == text)
        }
        // Joiners that join nothing, tags hiding text, stray selectors: shown.
        #expect(TerminalText.sanitize("a\u{200D}\u{200D}b") == "a\u{200D}<U+200D>b")
        #expect(TerminalText.sanitize("hi\u{E0041}") == "hi<U+E0041>")
        #expect(TerminalText.sanitize("\u{FE0F}x") == "<U+FE0F>x")
        #expect(TerminalText.sanitize("soft\u{AD}hyphen") == "soft<U+00AD>hyphen")
        #expect(TerminalText.sanitize("a\u{2028}b") == "a<U+2028>b")
        #expect(TerminalText.sanitize("\u{0378}") == "<U+0378>")
        // A spacing-mark flood is capped like any other.
        #expect(TerminalText.sanitize("\u{915}" + String(repeating: "\u{93E}", count: 10)) == "\u{915}" + String(repeating: "\u{93E}", count: 4) + "<+6 marks>")
    }

    @Test func widthsAgreeWithTheTerminal() throws {
        // Wide in every terminal, once counted narrow here: they covered the next cell.
        for text in ["\u{1B000}", "\u{17000}", "\u{16FE0}", "\u{1F6FC}", "\u{2B50}", "\u{1FA70}"] {
            #expect(TerminalText.displayWidth(text) == 2, "\(text.unicodeScalars.first!.value)")
        }
        // Hangul vowels and finals join the syllable before them.
        #expect(TerminalText.displayWidth("\u{1100}\u{1161}") == 2)
        #expect(TerminalText.width(of: "\u{1161}") == 0)
        if let widths = TerminalSafety.terminalWidths(["\u{1B000}", "\u{1161}"]) { #expect(widths == ["\u{1B000}": 2, "\u{1161}": 0]) }
    }

    // MARK: Strings drawn outside the panes' values

    @Test func aFieldTypeFromTheServerIsSanitised() {
        // A type the client does not know is kept as the server spelled it, and drawn sanitised.
        var state = state(holding: "plain")
        state.definitions = [CustomFieldDefinition(key: "note", displayName: "Note", type: FieldType("\u{1B}]0;PWNED\u{07}"))]
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let check = ScreenCheck(canvas: canvas, panes: [])
        #expect(check.problems.isEmpty, "\(check.problems.prefix(3))")
    }

    @Test func theEmailBeingOpenedIsSanitised() {
        // The reducer writes "opening <email of the selected result>" while no contact is open.
        var state = state(holding: "plain")
        state.contact = nil
        state.notices.pending = "opening a\u{9B}2J\u{202E}@example.com"
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let check = ScreenCheck(canvas: canvas, panes: [])
        #expect(check.problems.isEmpty, "\(check.problems.prefix(3))")
    }

    // MARK: Helpers

    /// A 120×40 screen whose every server-provided string holds `text`: the contact's id, email,
    /// phone, status, source, names, company, an unknown field, a custom field's key, value and
    /// label, the result list, the last error, and one exchange (path, headers, bodies, error).
    func state(holding text: String, body: Data = Data()) -> AppState {
        var state = AppState(size: TerminalSize(columns: 120, rows: 40), profile: "acme", host: "api.minimo.it", isDemo: false)
        state.now = Self.now
        let fields: [String: JSONValue] = ["note": .string(text), text: "key", "plan": "pro"]
        state.contact = Contact(
            id: ContactID(text), email: text, phone: text, status: text, source: text, customFields: fields, company: .string(text),
            marketingConsent: .init(email: true, whatsapp: nil), firstName: text, lastName: text, createdAt: text,
            fields: ["id": .string(text), "email": .string(text), "custom_fields": .object(fields), "nickname": .string(text), text: .string(text)])
        state.detail.source = .network
        state.detail.fetchedAt = Self.now.addingTimeInterval(-3)
        state.focus = .fields
        state.definitions = [CustomFieldDefinition(key: "note", displayName: text, type: .text)]
        state.list.results = [
            ContactSummary(id: ContactID(text), email: text, phone: nil, fetchedAt: Self.now, deleted: false),
            ContactSummary(id: "2", email: "plain@example.com", phone: nil, fetchedAt: Self.now, deleted: false),
        ]
        state.notices.lastError = "HTTP 422: " + text
        state.shared.quota = QuotaStatus(
            snapshot: QuotaSnapshot(limit: 100, remaining: 87, resetAt: Self.now.addingTimeInterval(34), observedAt: Self.now),
            waitingUntil: nil, queued: 0)
        let encoded = text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        state.exchanges = [
            RawExchange(
                startedAt: Self.now, method: "GET", url: "http://127.0.0.1:1/public/v1/contacts/by-email/" + encoded,
                requestHeaders: [HTTPHeader("X-Note", text)], requestBody: Data(#"{"note":"#.utf8) + JSONValue.string(text).serialized() + Data("}".utf8),
                status: 200, responseHeaders: [HTTPHeader(text, text)], responseBody: body,
                duration: 0.012, quotaAfter: nil, error: text, attempt: 2),
        ]
        return state
    }

    func occurrences(of needle: String, in haystack: String) -> Int {
        let needle = Array(needle.utf8)
        let bytes = Array(haystack.utf8)
        guard let first = needle.first, bytes.count >= needle.count else { return 0 }
        var count = 0
        var index = 0
        while index <= bytes.count - needle.count {
            if bytes[index] == first, Array(bytes[index..<(index + needle.count)]) == needle {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }
}
