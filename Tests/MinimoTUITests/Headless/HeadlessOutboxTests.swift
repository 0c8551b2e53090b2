import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// Conflicts and refused edits resolved inside the TUI (`O`, `:outbox`, `:messages`): the real
/// loop in-process against the sandbox over HTTP. "Another client" is a `MinimoClient` with its
/// own key writing straight to the sandbox, as a second person on the dashboard would.
@Suite struct HeadlessOutboxTests {
    /// The TUI with customer@example.com open, then its company changed to "Theirs" on the
    /// server by another client, then changed to "Mine" in the TUI and saved: held as a conflict.
    func withConflict(
        columns: Int = 160, rows: Int = 40, _ body: (SandboxFixture, TUIDriver) async throws -> Void
    ) async throws {
        try await SandboxFixture.with({ $0.contactCount = 30 }) { sandbox in
            let other = try sandbox.otherClient()
            let id = try await other.contact(email: "customer@example.com").value.id
            try await TUIDriver.with(sandbox, columns: columns, rows: rows) { tui in
                tui.type("customer@example.com")
                tui.press("Enter")
                try await tui.waitFor("\"Acme Corp\"")
                _ = try await other.updateContact(id: id, ContactUpdate(customFields: ["company": "Theirs"]))
                // Company is the first field row: e edits it.
                tui.press("e", "C-u")
                tui.type("Mine")
                tui.press("Enter")
                try await tui.waitFor("1 unsaved")
                tui.press("s")
                try await tui.waitFor("\"Acme Corp\" → \"Mine\"")
                tui.press("y")
                // Whole on a wide terminal; at 80 columns the status bar cuts it (:messages has it).
                try await tui.waitFor(columns >= 120 ? "conflict on Company — O to resolve" : "conflict on")
                // The field says its value is not on the server, and what the server holds.
                try await tui.waitFor(columns >= 120 ? "conflict (server: \"Theirs\")" : "conflict")
                #expect(try await serverCompany(sandbox) == "Theirs", "nothing was overwritten")
                try await body(sandbox, tui)
            }
        }
    }

    /// The company as the server holds it.
    func serverCompany(_ sandbox: SandboxFixture) async throws -> String? {
        try await sandbox.serverContact().customFields["company"]?.stringValue
    }

    /// Nothing unsent in the profile's outbox (what `minimo outbox list` calls "outbox empty").
    func outboxIsEmpty(_ tui: TUIDriver) async throws -> Bool {
        try await tui.store.outbox().isEmpty
    }

    @Test func keepMineSendsItAndTheConflictIsGone() async throws {
        try await withConflict { sandbox, tui in
            tui.press("O")
            let view = try await tui.waitFor("on the server now")
            #expect(view.contains("when you began"))
            #expect(view.range(of: #"Company +"Acme Corp" +"Theirs" +"Mine""#, options: .regularExpression) != nil, "\(view)")
            tui.press("m")
            try await tui.waitFor("kept yours: the server holds it now")
            #expect(try await serverCompany(sandbox) == "Mine")
            tui.press("Escape")
            let screen = try await tui.waitUntil("no conflict, nothing unsent on screen") {
                !$0.contains("conflict") && !$0.contains("unsent") && $0.contains("\"Mine\"")
            }
            #expect(screen.contains("Company  \"Mine\""))
            #expect(try await outboxIsEmpty(tui))
        }
    }

    @Test func takeTheirsDropsMineWritesNothingAndShowsTheServersValue() async throws {
        try await withConflict { sandbox, tui in
            let writes = try await sandbox.writesApplied()
            tui.press("O")
            try await tui.waitFor("t take theirs")
            tui.press("t")
            try await tui.waitFor("took theirs")
            tui.press("Escape")
            let screen = try await tui.waitUntil("theirs on screen") { $0.contains("\"Theirs\"") && !$0.contains("conflict") }
            #expect(!screen.contains("\"Mine\""))
            try await tui.waitUntilIdle()
            #expect(try await serverCompany(sandbox) == "Theirs")
            #expect(try await sandbox.writesApplied() == writes, "nothing was written")
            #expect(try await outboxIsEmpty(tui))
        }
    }

    @Test func editStartsFromTheirsAndTheReviewShowsOldToNew() async throws {
        try await withConflict { sandbox, tui in
            tui.press("O")
            try await tui.waitFor("e edit, starting from theirs")
            tui.press("e")
            try await tui.waitFor("the editor starts from the server's value")
            // The line editor holds theirs; Ctrl-E goes to its end, where the text is added.
            tui.press("C-e")
            tui.type(" and Mine")
            tui.press("Enter", "s")
            try await tui.waitFor("\"Theirs\" → \"Theirs and Mine\"")
            tui.press("y")
            try await tui.waitFor("saved: PUT")
            #expect(try await serverCompany(sandbox) == "Theirs and Mine")
            #expect(try await outboxIsEmpty(tui))
        }
    }

    /// A 422 whose message is longer than any status bar: `O` and `:messages` show it whole.
    static let refusal = "customFields.company: the value is on the account's deny list (rule 12: no placeholder companies such as Bad, Test or Example), and this explanation is long on purpose so that no status bar can hold all of it at once"

    func scriptRefusal(_ sandbox: SandboxFixture) async throws {
        let body = JSONValue.object(["error": ["code": "validation_error", "message": .string(Self.refusal)]]).serialized()
        try await sandbox.scriptFault(["status": 422, "body_base64": .string(body.base64EncodedString()), "content_type": "application/json"])
    }

    @Test func aRefusedEditShowsTheWholeMessageThenIsFixedAndSentOrDropped() async throws {
        try await SandboxFixture.with({ $0.contactCount = 30 }) { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                tui.type("customer@example.com")
                tui.press("Enter")
                try await tui.waitFor("\"Acme Corp\"")
                func save(_ company: String) async throws {
                    tui.press("e", "C-u")
                    tui.type(company)
                    tui.press("Enter", "s")
                    try await tui.waitFor("→ \"\(company)\"")
                    tui.press("y")
                }
                try await scriptRefusal(sandbox)
                try await save("Bad")
                try await tui.waitFor("refused")
                tui.press("O")
                let view = try await tui.waitFor("Refused by the server (HTTP 422)")
                // Wrapped over lines, but whole: its last words are on screen.
                #expect(view.contains("at once"), "\(view)")
                #expect(view.contains("e edit and retry"))
                // Fixed and retried: the editor starts from the refused value.
                tui.press("e")
                try await tui.waitFor("fix the refused value")
                tui.press("C-u")
                tui.type("Good Corp")
                tui.press("Enter", "s")
                try await tui.waitFor("→ \"Good Corp\"")
                tui.press("y")
                try await tui.waitFor("saved: PUT")
                #expect(try await sandbox.serverContact().customFields["company"] == "Good Corp")

                // Refused again, and dropped this time (asked first).
                try await scriptRefusal(sandbox)
                try await save("Bad again")
                try await tui.waitFor("refused")
                tui.press("O")
                try await tui.waitFor("d drop")
                tui.press("d")
                try await tui.waitFor("It is never sent")
                tui.press("y")
                try await tui.waitFor("Nothing unsent")
                #expect(try await outboxIsEmpty(tui))
                #expect(try await sandbox.serverContact().customFields["company"] == "Good Corp")

                // :messages: the refusal, whole, which the status bar cut.
                tui.press("Escape", ":")
                tui.type("messages")
                tui.press("Enter")
                let messages = try await tui.waitFor("Messages of this session")
                #expect(messages.contains("rule 12"))
                #expect(messages.contains("at once"))
            }
        }
    }

    @Test func theOutboxViewIsUsableAt80x24() async throws {
        try await withConflict(columns: 80, rows: 24) { sandbox, tui in
            tui.press("O")
            let view = try await tui.waitFor("on the server now")
            #expect(view.contains("\"Theirs\""))
            #expect(view.contains("\"Mine\""))
            #expect(view.contains("m keep mine"))
            #expect(view.contains("t take theirs"))
            tui.press("m")
            try await Poll.until("the server to hold mine") { try await serverCompany(sandbox) == "Mine" }
        }
    }
}
