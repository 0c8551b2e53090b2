import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// Bad input of every kind gets a clear message and the documented exit code, crashes nothing
/// and loses nothing: malformed emails, phones, `--field` syntax, option values, config files,
/// and terminals the TUI cannot or can barely drive.
@Suite(.serialized) struct BadInputTests {
    func env(_ url: URL, home: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": "mn-test-badinput-0123456789", "MINIMO_CACHE_DIR": home.path]
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var status: Int32
        /// A piece of the message that tells the user what is wrong.
        var says: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["contacts", "get", "not-an-email"], status: 7, says: "email"),
        Case(arguments: ["contacts", "get", "a@"], status: 7, says: "email"),
        Case(arguments: ["contacts", "get", "@example.com"], status: 7, says: "email"),
        Case(arguments: ["contacts", "get", "two words@example.com"], status: 7, says: "email"),
        Case(arguments: ["contacts", "get", ""], status: 7, says: "email"),
        Case(arguments: ["contacts", "get", "a\u{1B}[2J@example.com"], status: 7, says: "\\x1B"),
        Case(arguments: ["contacts", "upsert", "--email", "a@example.com", "--phone", "339 12"], status: 7, says: "E.164"),
        Case(arguments: ["contacts", "upsert", "--email", "a@example.com", "--phone", "+39abc"], status: 7, says: "E.164"),
        Case(arguments: ["contacts", "upsert", "--email", "a@example.com", "--field", "novalue"], status: 2, says: "KEY=VALUE"),
        Case(arguments: ["contacts", "upsert", "--email", "a@example.com", "--field", "=value"], status: 2, says: "--field"),
        Case(arguments: ["contacts", "update", "42", "--field", "plan"], status: 2, says: "KEY=VALUE"),
        Case(arguments: ["contacts", "update", "not-a-number!", "--field", "plan=pro"], status: 2, says: "id"),
        Case(arguments: ["contacts", "get", "a@example.com", "--timeout", "-1"], status: 2, says: "--timeout"),
        Case(arguments: ["contacts", "get", "a@example.com", "--timeout", "soon"], status: 2, says: "timeout"),
        Case(arguments: ["contacts", "get", "a@example.com", "--ttl", "-5"], status: 2, says: "--ttl"),
        Case(arguments: ["sandbox", "--rate-limit", "abc"], status: 2, says: "--rate-limit"),
        Case(arguments: ["sandbox", "--rate-limit", "10/0s"], status: 2, says: "--rate-limit"),
        Case(arguments: ["sandbox", "--rate-limit", "0/60s"], status: 2, says: "--rate-limit"),
        Case(arguments: ["sandbox", "--rate-limit", "-1/60s"], status: 2, says: "--rate-limit"),
        Case(arguments: ["sandbox", "--rate-limit", "10/60parsecs"], status: 2, says: "--rate-limit"),
        Case(arguments: ["sandbox", "--port", "70000"], status: 2, says: "--port"),
        Case(arguments: ["demo", "--rate-limit", "lots"], status: 2, says: "rate"),
        Case(arguments: ["outbox", "retry", "banana"], status: 2, says: "banana"),
        Case(arguments: ["no-such-command"], status: 2, says: "no-such-command"),
    ]

    @Test(arguments: cases)
    func badArgumentsSayWhatIsWrongAndChangeNothing(_ bad: Case) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bad-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        try await withSandbox { url in
            let run = try await CLI.run(bad.arguments, environment: env(url, home: home), home: home)
            #expect(run.status == bad.status, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
            #expect(run.stderr.lowercased().contains(bad.says.lowercased()), "stderr: \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"))
            // No raw control byte reaches the terminal from the input echoed back.
            #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x1B })
            // Nothing was written to the server, nothing queued.
            let stats = try await stats(url)
            #expect(stats["writesApplied"]?.intValue == 0)
            let outbox = try await CLI.run(["outbox", "list"], environment: env(url, home: home), home: home)
            #expect(!outbox.stdout.contains("pending") && !outbox.stdout.contains("failed"), "outbox: \(outbox.stdout)")
        }
    }

    func stats(_ url: URL) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(method: "GET", url: url.absoluteString + "/__sandbox/stats", headers: [], body: nil), timeout: 10)
        return try JSONValue.parse(response.body)
    }

    @Test(arguments: [
        ("[profiles.x]\nbase_url = https://unquoted\n", "config.toml:2"),
        ("[profiles.x\nbase_url = \"https://a.example\"\n", "config.toml:1"),
        ("[profiles.x]\nbase_url = \"https://a.example\"\nbase_url = \"https://b.example\"\n", "config.toml:3"),
        ("[profiles.x]\ntimeout = \"ten\"\n", "config.toml:2"),
        ("\u{1B}]0;PWNED\u{07}\n", "config.toml:1"),
    ])
    func malformedConfigNamesTheLine(_ text: String, _ place: String) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bad-config-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        let directory = home.appendingPathComponent(".config/minimo")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try text.write(to: directory.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let run = try await CLI.run(["contacts", "get", "a@example.com", "--profile", "x"], environment: ["MINIMO_API_KEY": "mn-a-b"], home: home)
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains(place), "stderr: \(run.stderr)")
        #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }

    // MARK: Terminals

    /// The TUI on a terminal it can drive, with the given TERM, locale and size: it draws the
    /// panes (or says the window is too small), and Ctrl-C leaves with status 0.
    func openAndQuit(term: String, lang: String, columns: Int, rows: Int, expect: @escaping (String) -> Bool) async throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-term-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        return try await withSandbox { url in
            var environment = env(url, home: home)
            environment["TERM"] = term
            environment["LANG"] = lang
            environment["HOME"] = home.path
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: columns, rows: rows)
            defer { tmux.close() }
            let screen = try await tmux.waitUntil("the first frame with TERM=\(term) LANG=\(lang) at \(columns)×\(rows)", expect)
            try tmux.press("C-c")
            try await tmux.waitFor("MINIMO-EXITED 0")
            return screen
        }
    }

    @Test func vt100WithTheCLocaleDrawsASCIIBorders() async throws {
        // A frame arrives in several writes: wait for its last line (the status bar) too.
        let screen = try await openAndQuit(term: "vt100", lang: "C", columns: 100, rows: 30) {
            $0.contains("Search email") && $0.contains("quota")
        }
        #expect(screen.contains("+-"))
        #expect(!screen.contains("┌"))
    }

    @Test func linuxConsoleWithUTF8DrawsTheUsualPanes() async throws {
        let screen = try await openAndQuit(term: "linux", lang: "C.UTF-8", columns: 100, rows: 30) {
            $0.contains("Search email") && $0.contains("quota")
        }
        #expect(screen.contains("Contacts"))
        #expect(screen.contains("┌"))
    }

    @Test func aTwentyByTenWindowSaysSoInFullAndStillQuits() async throws {
        let screen = try await openAndQuit(term: "xterm-256color", lang: "C.UTF-8", columns: 20, rows: 10) { $0.contains("Ctrl-C") }
        let text = screen.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(text.contains("Terminal too small"))
        #expect(text.contains("need at least 60×16"))
    }

    @Test(arguments: ["dumb", "no-such-terminal-type"])
    func aTerminalThatCannotBeDrivenIsRefusedWithAReason(_ term: String) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-term-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        try await withSandbox { url in
            var environment = env(url, home: home)
            environment["TERM"] = term
            environment["HOME"] = home.path
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 100, rows: 30)
            defer { tmux.close() }
            let screen = try await tmux.waitFor("MINIMO-EXITED 2")
            #expect(screen.contains("TERM=\(term)"))
            #expect(screen.contains("xterm-256color"))
        }
    }
}
