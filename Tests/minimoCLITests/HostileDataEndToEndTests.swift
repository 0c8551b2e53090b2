import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The worst strings of the hostile corpus in a real terminal: the `minimo` binary in tmux shows
/// a contact whose custom fields, keys and email hold escape sequences, and an error message
/// holding more. Nothing of them may reach tmux raw: not the title, not the clipboard, not a
/// cursor move or a clear, not a bidi override.
@Suite(.serialized) struct HostileDataEndToEndTests {
    /// Corpus entries (`Tests/MinimoTUITests/Fixtures/hostile-strings.json`) put in custom fields.
    static let worst = [
        "osc-title-bel", "osc-title-st", "osc-window-title", "osc52-clipboard-write", "osc8-link", "csi-clear-screen",
        "csi-cursor-position", "csi-alt-screen", "cr-overwrite", "bs-erase", "bidi-filename-spoof", "dcs-tmux-passthrough",
        "c1-osc-title", "c1-csi-clear", "apc-kitty-graphics",
    ]

    /// The text entries of the corpus by name.
    static func corpus() throws -> [String: String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MinimoTUITests/Fixtures/hostile-strings.json")
        let file = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let entries = file?["strings"] as? [[String: Any]] ?? []
        var texts: [String: String] = [:]
        for entry in entries {
            if let name = entry["name"] as? String, let text = entry["text"] as? String { texts[name] = text }
        }
        return texts
    }

    /// Runs a tmux command and returns what `display-message -p FORMAT` prints for `target`.
    /// (The session's helper keeps the output of `capture-pane` only, so the format rides on
    /// a one-line capture in the same command sequence.)
    func format(_ tmux: TmuxSession, _ format: String, target: String) throws -> String {
        let marker = "@@MINIMO-FORMAT@@"
        let output = try tmux.tmux([
            "capture-pane", "-p", "-t", target, "-S", "0", "-E", "0", ";", "display-message", "-p", "-t", target, marker + format,
        ])
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix(marker) }) else { return "" }
        return String(line.dropFirst(marker.count))
    }

    /// The names of tmux's paste buffers: an OSC 52 that reached tmux would have made one.
    func buffers(_ tmux: TmuxSession) throws -> [String] {
        let output = try tmux.tmux(["capture-pane", "-p", "-t", tmux.name, "-S", "0", "-E", "0", ";", "list-buffers", "-F", "@@BUFFER@@#{buffer_name}"])
        return output.split(separator: "\n").filter { $0.hasPrefix("@@BUFFER@@") }.map { String($0.dropFirst(10)) }
    }

    /// Waits (polling, no fixed sleep) until `condition` holds; records a failure after 20 s.
    func waitUntil(_ description: String, _ condition: () throws -> Bool) async throws {
        try await Poll.until(description, timeout: 20, every: 0.05) { try condition() }
    }

    /// Every escape sequence in a `capture-pane -e` capture: tmux writes only SGR (`ESC [ … m`)
    /// there, so anything else (OSC, DCS, APC, PM, SOS, a charset switch) came from the data.
    static func foreignEscapes(_ capture: String) -> [String] {
        var found: [String] = []
        let scalars = Array(capture.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if (0x80...0x9F).contains(scalar.value) || scalar.value == 0x07 || scalar.value == 0x0D || scalar.value == 0x08 {
                found.append("raw U+\(String(scalar.value, radix: 16))")
            }
            guard scalar.value == 0x1B else {
                index += 1
                continue
            }
            var end = index + 1
            if end < scalars.count, scalars[end] == "[" {
                end += 1
                while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == ";" || scalars[end] == ":" { end += 1 }
                if end < scalars.count, scalars[end] == "m" {
                    index = end + 1
                    continue
                }
            }
            found.append(String(String.UnicodeScalarView(scalars[index..<min(scalars.count, index + 8)])).debugDescription)
            index += 1
        }
        return found
    }

    @Test func hostileFieldsKeysEmailAndErrorReachTheTerminalEscaped() async throws {
        let corpus = try Self.corpus()
        var fields: [String: JSONValue] = [:]
        for (index, name) in Self.worst.enumerated() {
            let text = try #require(corpus[name], "no corpus entry \(name)")
            fields[String(format: "v%02d-", index) + name] = .string(text)
        }
        // Hostile keys too: the fields pane shows keys through the sanitiser, not as JSON.
        fields["\u{1B}]2;PWNED-KEY\u{07}"] = "title key"
        fields["\u{9D}0;PWNED-C1\u{9C}"] = "c1 key"
        fields["k\u{202E}yek-idib"] = "bidi key"
        let hostileEmail = "hostile\u{2067}\u{9B}2J@example.com"  // the sandbox takes C1 and isolates in an address

        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-hostile-e2e-\(UUID())")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 20 }) { url in
            let seeder = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-seeder-0123456789"))
            _ = try await seeder.upsertContact(ContactUpsert(email: "hostile@example.com", customFields: fields))
            _ = try await seeder.upsertContact(ContactUpsert(email: hostileEmail, customFields: ["note": "the email is the hostile part"]))

            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": "mn-test-e2e-0123456789abcdef",
                "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path,
            ]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 200, rows: 40)
            defer { tmux.close() }
            let pane = tmux.name + ":0"
            // tmux takes OSC 52 from applications only with set-clipboard on: turn it on, so a
            // clipboard write that got through would leave a buffer.
            try tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
            try await tmux.waitFor("Search email")
            let titleBefore = try format(tmux, "#{pane_title}", target: pane)

            // The canary: the same sequences printed raw in another window do set the title and
            // make a buffer, so the checks below can see an escape that gets through.
            try tmux.tmux(["new-window", "-d", "-t", tmux.name + ":1", #"printf '\033]2;CANARY-PWNED\007\033]52;c;Y2FuYXJ5\007'; sleep 600"#])
            try await waitUntil("the canary's title and buffer") {
                try format(tmux, "#{pane_title}", target: tmux.name + ":1") == "CANARY-PWNED" && buffers(tmux).count == 1
            }

            // Everything into the cache, then the two contacts in the result list.
            try tmux.press("Escape", ":")
            try tmux.type("sync")
            try tmux.press("Enter")
            try await tmux.waitFor("synced")
            try tmux.press("/", "C-u")
            try tmux.type("hostile")
            let results = try await tmux.waitFor("hostile<U+2067>\\x9B2J@example.com")
            #expect(!results.contains("\u{202E}") && !results.contains("\u{2067}"))

            // Open the contact and wait for every field row.
            try tmux.press("C-u")
            try tmux.type("hostile@example.com")
            try tmux.press("Enter")
            let screen = try await tmux.waitUntil("the hostile fields") { $0.contains("v14-apc-kitty-graphics") && $0.contains("bidi key") }
            // Shown escaped: C0 in values as JSON escapes, C1 and bidi controls as ours, keys as ours.
            for shown in [
                #""\u001b]0;PWNED\u0007""#, #""\u001b]52;c;"#, #""\u001b[2J""#, #""\u001b[1;1HTOP-LEFT""#, #""SAFE-TEXT\rEVIL""#,
                #""abc\b\b\bXYZ""#, #""invoice <U+202E>fdp.exe""#, #""\x9D0;PWNED\x9C""#, #""\x9B2J\x9BHcleared""#,
                #"\x1B]2;PWNED-KEY\x07"#, #"\x9D0;PWNED-C1\x9C"#, "k<U+202E>yek-idib",
            ] {
                #expect(screen.contains(shown), "\(shown) is not on screen")
            }
            try checkTerminal(tmux, pane: pane, titleBefore: titleBefore, screen: screen)

            // An error message from the server, holding a title set, a clear and an override.
            let message = #"{"error":{"code":"x","message":"\u001b]0;PWNED-ERR\u0007\u001b[2J\u202eRORRE"}}"#
            let script: JSONValue = ["next": [["status": 422, "body_base64": .string(Data(message.utf8).base64EncodedString())]]]
            let queued = try await AsyncHTTPClientTransport().execute(
                TransportRequest(
                    method: "POST", url: url.absoluteString + "/__sandbox/faults", headers: [HTTPHeader("Content-Type", "application/json")],
                    body: script.serialized()),
                timeout: 10)
            #expect(queued.status == 200)
            try tmux.press("R")
            let failed = try await tmux.waitFor("error: hostile@example.com")
            #expect(failed.contains(#"[HTTP 422 x] \x1B]0;PWNED-ERR\x07\x1B[2J<U+202E>RORRE"#))
            try checkTerminal(tmux, pane: pane, titleBefore: titleBefore, screen: failed)

            // The raw view of the answer.
            try tmux.press("r")
            let raw = try await tmux.waitFor("Response body")
            try checkTerminal(tmux, pane: pane, titleBefore: titleBefore, screen: raw)
        }
    }

    /// The control experiment: the same strings written raw to a tmux pane do set its title,
    /// write a clipboard buffer and overwrite a line, so the checks above can see each of them.
    @Test func writtenRawTheSameStringsDoGetThrough() async throws {
        let corpus = try Self.corpus()
        let raw = try Self.worst.map { try #require(corpus[$0]) }.joined(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-hostile-raw-\(UUID())")
        try Data(raw.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // Window 0 only holds the server open (`minimo --help` exits at once, asking nothing of
        // the network); the raw strings go to window 1.
        let tmux = try TmuxSession(arguments: ["--help"], environment: [:], columns: 120, rows: 40)
        defer { tmux.close() }
        try tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
        try tmux.tmux(["new-window", "-d", "-t", tmux.name + ":1", "cat " + TmuxSession.quote(file.path) + "; sleep 600"])
        let pane = tmux.name + ":1"
        // The last title-setting sequence wins: the kitty APC, which tmux takes as a title too.
        try await waitUntil("the raw strings to take effect") {
            try format(tmux, "#{pane_title}", target: pane) == "Gf=100,a=T;cHduZWQ=" && !buffers(tmux).isEmpty
                && tmux.tmux(["capture-pane", "-p", "-t", pane]).contains("EVIL-TEXT")
        }
        let screen = try tmux.tmux(["capture-pane", "-p", "-t", pane])
        #expect(!screen.contains("SAFE-TEXT"), "the carriage return overwrote it")
        #expect(try format(tmux, "#{alternate_on}", target: pane) == "1", "the alternate screen was switched on")
    }

    /// The pane title is the TUI's, no clipboard buffer but the canary's, no foreign escape in a
    /// capture with attributes, no control or bidi character on screen, and every row's pane
    /// borders in the columns of the first row's.
    func checkTerminal(_ tmux: TmuxSession, pane: String, titleBefore: String, screen: String) throws {
        let title = try format(tmux, "#{pane_title}", target: pane)
        #expect(!title.contains("PWNED"), "the pane title became \(title.debugDescription)")
        #expect(title == titleBefore)
        #expect(try buffers(tmux).count == 1, "a clipboard write reached tmux")
        let attributed = try tmux.tmux(["capture-pane", "-e", "-p", "-t", pane])
        let foreign = Self.foreignEscapes(attributed)
        #expect(foreign.isEmpty, "escape sequences from the data: \(foreign.prefix(5))")
        #expect(attributed.contains("\u{1B}["), "the capture has no attributes at all: was -e honoured?")

        let forbidden = screen.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value)
                || (0x2066...0x2069).contains($0.value) || $0.value == 0x200E || $0.value == 0x200F || $0.value == 0x061C
        }
        #expect(forbidden.isEmpty, "raw controls on screen: \(forbidden.map { String($0.value, radix: 16) })")

        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        let first = try #require(lines.first)
        #expect(String(first).hasPrefix("┌ Search email"), "the first row was overwritten: \(String(first))")
        let borders = first.indices.filter { "┌┐".contains(first[$0]) }
        #expect(borders.count == 4, "first row: \(String(first))")
        let statusRow = try #require(lines.lastIndex { String($0).contains("quota") }, "no status bar")
        for row in 1..<statusRow {
            let line = lines[row]
            for column in borders where column >= line.count || !"│┌┐└┘├┤─".contains(line[column]) {
                Issue.record("row \(row): no pane border in column \(column): \(String(line).debugDescription)")
            }
        }
    }
}
