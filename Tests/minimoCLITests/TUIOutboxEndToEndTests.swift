import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// Conflicts and refused edits resolved inside the TUI (`O`, `:outbox`, `:messages`): the real
/// binary in tmux against the sandbox over HTTP. "Another client" is a `MinimoClient` with its own
/// key writing straight to the sandbox, as a second person on the dashboard would. Everything
/// waits on the screen or on the sandbox.
@Suite(.serialized) struct TUIOutboxEndToEndTests {
    static let key = "mn-test-outbox-0123456789abcdef"

    struct Session {
        let tmux: TmuxSession
        let url: URL
        let environment: [String: String]
        let other: MinimoClient
        let id: ContactID

        /// The company as the server holds it.
        func serverCompany() async throws -> String? {
            try await other.contact(email: "customer@example.com").value.customFields["company"]?.stringValue
        }

        func writesApplied() async throws -> Int64 {
            try await MultiProcessTests.stats(url)["writesApplied"]?.intValue ?? -1
        }

        /// `minimo outbox list` from another process on the same cache.
        func outboxList() async throws -> String {
            try await CLI.run(["outbox", "list"], environment: environment).stdout
        }
    }

    /// The TUI with customer@example.com open, then its company changed to "Theirs" on the
    /// server by another client, then changed to "Mine" in the TUI and saved: held as a conflict.
    func withConflict(columns: Int = 160, rows: Int = 40, _ body: (Session) async throws -> Void) async throws {
        let cache = try MultiProcessTests.temporaryDirectory("tui-outbox")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 30 }) { url in
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
            let other = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-other-0123456789"))
            let id = try await other.contact(email: "customer@example.com").value.id
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: columns, rows: rows)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"Acme Corp\"")
            _ = try await other.updateContact(id: id, ContactUpdate(customFields: ["company": "Theirs"]))
            // Company is the first field row: e edits it.
            try tmux.press("e", "C-u")
            try tmux.type("Mine")
            try tmux.press("Enter")
            try await tmux.waitFor("1 unsaved")
            try tmux.press("s")
            try await tmux.waitFor("\"Acme Corp\" → \"Mine\"")
            try tmux.press("y")
            // Whole on a wide terminal; at 80 columns the status bar cuts it (:messages has it).
            try await tmux.waitFor(columns >= 120 ? "conflict on Company — O to resolve" : "conflict on")
            let session = Session(tmux: tmux, url: url, environment: environment, other: other, id: id)
            // The field says its value is not on the server, and what the server holds.
            try await tmux.waitFor(columns >= 120 ? "conflict (server: \"Theirs\")" : "conflict")
            #expect(try await session.serverCompany() == "Theirs", "nothing was overwritten")
            try await body(session)
        }
    }

    @Test func keepMineSendsItAndTheConflictIsGone() async throws {
        try await withConflict { session in
            try session.tmux.press("O")
            let view = try await session.tmux.waitFor("on the server now")
            #expect(view.contains("when you began"))
            #expect(view.range(of: #"Company +"Acme Corp" +"Theirs" +"Mine""#, options: .regularExpression) != nil, "\(view)")
            try session.tmux.press("m")
            try await session.tmux.waitFor("kept yours: the server holds it now")
            try await MultiProcessTests.waitFor("the server to hold mine") { try await session.serverCompany() == "Mine" }
            try session.tmux.press("Escape")
            let screen = try await session.tmux.waitUntil("no conflict, nothing unsent on screen") {
                !$0.contains("conflict") && !$0.contains("unsent") && $0.contains("\"Mine\"")
            }
            #expect(screen.contains("Company  \"Mine\""))
            #expect(try await session.outboxList().contains("outbox empty"))
        }
    }

    @Test func takeTheirsDropsMineWritesNothingAndShowsTheServersValue() async throws {
        try await withConflict { session in
            let writes = try await session.writesApplied()
            try session.tmux.press("O")
            try await session.tmux.waitFor("t take theirs")
            try session.tmux.press("t")
            try await session.tmux.waitFor("took theirs")
            try session.tmux.press("Escape")
            let screen = try await session.tmux.waitUntil("theirs on screen") { $0.contains("\"Theirs\"") && !$0.contains("conflict") }
            #expect(!screen.contains("\"Mine\""))
            #expect(try await session.serverCompany() == "Theirs")
            #expect(try await session.writesApplied() == writes, "nothing was written")
            #expect(try await session.outboxList().contains("outbox empty"))
        }
    }

    @Test func editStartsFromTheirsAndTheReviewShowsOldToNew() async throws {
        try await withConflict { session in
            try session.tmux.press("O")
            try await session.tmux.waitFor("e edit, starting from theirs")
            try session.tmux.press("e")
            try await session.tmux.waitFor("the editor starts from the server's value")
            // The line editor holds theirs; Ctrl-E goes to its end, where the text is added.
            try session.tmux.press("C-e")
            try session.tmux.type(" and Mine")
            try session.tmux.press("Enter")
            try session.tmux.press("s")
            try await session.tmux.waitFor("\"Theirs\" → \"Theirs and Mine\"")
            try session.tmux.press("y")
            try await session.tmux.waitFor("saved: PUT")
            #expect(try await session.serverCompany() == "Theirs and Mine")
            #expect(try await session.outboxList().contains("outbox empty"))
        }
    }

    /// A 422 whose message is longer than any status bar: `O` and `:messages` show it whole.
    static let refusal = "customFields.company: the value is on the account's deny list (rule 12: no placeholder companies such as Bad, Test or Example), and this explanation is long on purpose so that no status bar can hold all of it at once"

    func scriptRefusal(_ url: URL) async throws {
        let body = JSONValue.object(["error": ["code": "validation_error", "message": .string(Self.refusal)]]).serialized()
        _ = try await MultiProcessTests.call(
            "POST", url, "/__sandbox/faults",
            body: ["next": [["status": 422, "body_base64": .string(body.base64EncodedString()), "content_type": "application/json"]]])
    }

    @Test func aRefusedEditShowsTheWholeMessageThenIsFixedAndSentOrDropped() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("tui-outbox-refused")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 30 }) { url in
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 120, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"Acme Corp\"")
            func save(_ company: String) async throws {
                try tmux.press("e", "C-u")
                try tmux.type(company)
                try tmux.press("Enter", "s")
                try await tmux.waitFor("→ \"\(company)\"")
                try tmux.press("y")
            }
            try await scriptRefusal(url)
            try await save("Bad")
            try await tmux.waitFor("refused")
            try tmux.press("O")
            let view = try await tmux.waitFor("Refused by the server (HTTP 422)")
            // Wrapped over lines, but whole: its last words are on screen.
            #expect(view.contains("at once"), "\(view)")
            #expect(view.contains("e edit and retry"))
            // Fixed and retried: the editor starts from the refused value.
            try tmux.press("e")
            try await tmux.waitFor("fix the refused value")
            try tmux.press("C-u")
            try tmux.type("Good Corp")
            try tmux.press("Enter", "s")
            try await tmux.waitFor("→ \"Good Corp\"")
            try tmux.press("y")
            try await tmux.waitFor("saved: PUT")
            let other = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-other-0123456789"))
            #expect(try await other.contact(email: "customer@example.com").value.customFields["company"] == "Good Corp")

            // Refused again, and dropped this time (asked first).
            try await scriptRefusal(url)
            try await save("Bad again")
            try await tmux.waitFor("refused")
            try tmux.press("O")
            try await tmux.waitFor("d drop")
            try tmux.press("d")
            try await tmux.waitFor("It is never sent")
            try tmux.press("y")
            try await tmux.waitFor("Nothing unsent")
            let list = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(list.stdout.contains("outbox empty"))
            #expect(try await other.contact(email: "customer@example.com").value.customFields["company"] == "Good Corp")

            // :messages: the refusal, whole, which the status bar cut.
            try tmux.press("Escape", ":")
            try tmux.type("messages")
            try tmux.press("Enter")
            let messages = try await tmux.waitFor("Messages of this session")
            #expect(messages.contains("rule 12"))
            #expect(messages.contains("at once"))
        }
    }

    @Test func theOutboxViewIsUsableAt80x24() async throws {
        try await withConflict(columns: 80, rows: 24) { session in
            try session.tmux.press("O")
            let view = try await session.tmux.waitFor("on the server now")
            #expect(view.contains("\"Theirs\""))
            #expect(view.contains("\"Mine\""))
            #expect(view.contains("m keep mine"))
            #expect(view.contains("t take theirs"))
            try session.tmux.press("m")
            try await MultiProcessTests.waitFor("the server to hold mine") { try await session.serverCompany() == "Mine" }
        }
    }

    @Test func theCLIResolvesAConflictWithMineOrTheirs() async throws {
        try await withSandbox({ $0.contactCount = 30 }) { url in
            let cache = try MultiProcessTests.temporaryDirectory("cli-resolve")
            defer { try? FileManager.default.removeItem(at: cache) }
            let environment = ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": cache.path]
            let other = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-other-0123456789"))
            let id = try await other.contact(email: "customer@example.com").value.id.rawValue
            for (choice, expected) in [("--mine", "Mine"), ("--theirs", "Theirs")] {
                let get = try await CLI.run(["contacts", "get", "customer@example.com"], environment: environment)
                #expect(get.status == 0)
                _ = try await other.updateContact(id: ContactID(id), ContactUpdate(customFields: ["company": "Theirs"]))
                let held = try await CLI.run(["contacts", "update", id, "--field", "company=Mine"], environment: environment)
                #expect(held.status != 0, "the edit is held: \(held.stdout)")
                let list = try await CLI.run(["outbox", "list"], environment: environment)
                let line = try #require(list.stdout.split(separator: "\n").first { $0.contains("\tconflict\t") }, "\(list.stdout)")
                let seq = String(line.prefix { $0 != "\t" })
                let resolve = try await CLI.run(["outbox", "resolve", seq, choice], environment: environment)
                #expect(resolve.status == 0, "\(resolve.stderr)")
                #expect(try await other.contact(email: "customer@example.com").value.customFields["company"]?.stringValue == expected)
                #expect(try await CLI.run(["outbox", "list"], environment: environment).stdout.contains("outbox empty"))
                _ = try await other.updateContact(id: ContactID(id), ContactUpdate(customFields: ["company": "Acme Corp"]))
            }
            let neither = try await CLI.run(["outbox", "resolve", "1"], environment: environment)
            #expect(neither.status == 2)
            #expect(neither.stderr.contains("--mine or --theirs"))
        }
    }
}
