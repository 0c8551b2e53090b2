import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit
import MinimoTestSupport

/// `minimo import` end to end (issue 12): the real binary against a real sandbox over HTTP,
/// waiting on conditions, never on fixed sleeps. The suites may run beside each other (each has
/// its own sandbox, key and cache), so each test stays short on 2 cores.
/// One test at a time: each runs an importer process against its own in-process sandbox, and
/// all at once (beside the rest of the suite) they kept the test runner busy enough for other
/// suites' sandboxes to answer past their clients' timeouts on CI.
@Suite(.serialized) struct ImportCLITests {
    static let upserts = "POST /public/v1/contacts"

    func env(_ url: URL, cache: URL, key: String) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key, "MINIMO_CACHE_DIR": cache.path]
    }

    static func write(_ text: String, to name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    static func requests(_ stats: JSONValue, _ route: String? = nil) -> Int64 {
        guard let route else { return stats["requests"]?["total"]?.intValue ?? 0 }
        return stats["requests"]?["byRoute"]?[route]?.intValue ?? 0
    }

    /// Every write the sandbox applied: (idempotency key, body).
    static func applied(_ url: URL) async throws -> [(key: String, body: JSONValue)] {
        let writes = try await MultiProcessTests.call("GET", url, "/__sandbox/applied")["writes"]?.arrayValue ?? []
        return writes.map { write in
            (write["idempotencyKey"]?.stringValue ?? "", (try? JSONValue.parse(Data((write["body"]?.stringValue ?? "").utf8))) ?? .null)
        }
    }

    /// Every live contact of the sandbox, read with another key (its own quota).
    static func contacts(_ url: URL, count: Int) async throws -> [JSONValue] {
        let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
        var all: [JSONValue] = []
        for page in 1...((count + 99) / 100) {
            let response = try await client.listContacts(page: page, limit: 100, priority: .interactive)
            all += response.value.contacts.map { JSONValue.object($0.fields) }
        }
        return all
    }

    @Test func tenThousandRowsCostOneRequestPerChangedRowAndARunOfTheSameFileNothing() async throws {
        try await withSandbox({
            $0.contactCount = 8000
            $0.rateLimit = RateLimitRule(limit: 2000, window: .seconds(10))
        }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-10k")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-import10k-0123456789")
            let sync = try await CLI.run(["sync"], environment: environment)
            #expect(sync.status == 0, "\(sync.stderr)")
            // 8,000 rows of contacts the sandbox holds: 7,500 as they are (their plan, or no
            // plan given), 500 with new seats; then 2,000 new contacts. 2,500 rows change:
            // more than the 1,600 a window leaves to background work, so the gate must wait.
            let existing = try await Self.contacts(url, count: 8000)
            #expect(existing.count == 8000)
            var lines = ["email,plan,seats"]
            for (index, contact) in existing.enumerated() {
                let email = contact["email"]?.stringValue ?? ""
                let plan = contact["custom_fields"]?["plan"]?.stringValue ?? ""
                let quoted = "\"" + email.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                lines.append(index < 7500 ? "\(quoted),\(plan)," : "\(quoted),,\(100_000 + index)")
            }
            for row in 0..<2000 { lines.append("new\(row)@import.example,pro,\(row)") }
            let file = try Self.write(lines.joined(separator: "\n") + "\n", to: "contacts.csv", in: directory)

            let before = try await MultiProcessTests.stats(url)
            let started = Date()
            let run = try await CLI.run(["import", file.path], environment: environment)
            let seconds = Date().timeIntervalSince(started)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("to update  500"), "\(run.stdout)")
            #expect(run.stdout.contains("to create  2,000"), "\(run.stdout)")
            #expect(run.stdout.contains("unchanged  7,500"), "\(run.stdout)")
            #expect(run.stdout.contains("imported 10,000 rows: 2,000 created, 500 updated, 7,500 unchanged, 0 rejected"), "\(run.stdout)")
            let after = try await MultiProcessTests.stats(url)
            #expect(Self.requests(after, Self.upserts) - Self.requests(before, Self.upserts) == 2500)
            // Nothing else but the field definitions, fetched once.
            #expect(Self.requests(after) - Self.requests(before) == 2501)
            #expect(MultiProcessTests.count429(after) == 0)
            #expect(after["receivedWhileExhausted"]?.intValue == 0)
            #expect(after["idempotentReplays"]?.intValue == 0)
            print(String(format: "import: 10,000 rows, 2,500 upserts in %.1f s at 2,000 requests per 10 s (background: 1,600 per window)", seconds))

            let again = try await CLI.run(["import", file.path], environment: environment)
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(again.stdout.contains("2,500 of them applied by an earlier run"), "\(again.stdout)")
            let last = try await MultiProcessTests.stats(url)
            #expect(Self.requests(last) == Self.requests(after), "a run of the same file sends nothing")
        }
    }

    @Test func aRunKilledEveryThousandRowsAndResumedAppliesEachRowExactlyOnce() async throws {
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 100_000, window: .seconds(10)) }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-kill")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-importkill-0123456789")
            let rows = 3000
            let lines = ["email;first name;seats"] + (0..<rows).map { "kill\($0)@import.example;Name \($0);\($0)" }
            let file = try Self.write(lines.joined(separator: "\r\n") + "\r\n", to: "kill.csv", in: directory)
            var kills = 0
            for threshold in stride(from: 1000, to: rows, by: 1000) {
                let victim = try SpawnedMinimo(["import", file.path], environment: environment)
                try await MultiProcessTests.waitFor("\(threshold) rows applied") {
                    guard victim.process.isRunning else { return true }
                    return try await MultiProcessTests.call("GET", url, "/__sandbox/applied?after=1000000000")["total"]?.intValue ?? 0
                        >= Int64(threshold)
                }
                if victim.process.isRunning {
                    await victim.kill()
                    kills += 1
                }
            }
            #expect(kills >= 1, "the runs were too quick to be killed")
            let last = try await CLI.run(["import", file.path], environment: environment)
            #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
            #expect(last.stdout.contains("imported 3,000 rows: 3,000 created, 0 updated, 0 unchanged, 0 rejected"), "\(last.stdout)")

            let applied = try await Self.applied(url)
            #expect(applied.count == rows)
            #expect(Set(applied.map(\.key)).count == rows, "each idempotency key applied once")
            #expect(Set(applied.compactMap { $0.body["email"]?.stringValue }).count == rows, "each row applied once")
            #expect(applied.allSatisfy { $0.key.hasPrefix("minimo-import-") })
            let again = try await CLI.run(["import", file.path], environment: environment)
            #expect(again.status == 0)
            #expect(try await Self.applied(url).count == rows)
            print("import: 3,000 rows, killed \(kills) times (every 1,000 applied rows) and resumed: \(applied.count) writes applied, \(try await MultiProcessTests.stats(url)["idempotentReplays"]?.intValue ?? 0) replays")
        }
    }

    @Test func aHostileFileRejectsEachBadRowWithItsReasonAndImportsTheRest() async throws {
        try await withSandbox({ $0.contactCount = 30 }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-hostile")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-hostile-0123456789")
            // Italian Excel: a BOM, `;`, CRLF, display names as headers, a quoted line break.
            var lines = ["email;Telefono;Plan;Seats;VIP;Signup Date;Notes;Preferences;consent_email;consent_whatsapp;id"]
            var bad: [Int: (row: String, reason: String)] = [:]  // the line a row starts on → it, and the reason's words
            var nextLine = 2
            func add(_ row: String, bad reason: String? = nil) {
                lines.append(row)
                if let reason { bad[nextLine] = (row, reason) }
                nextLine += 1 + row.components(separatedBy: "\r\n").count - 1
            }
            for index in 0..<40 {
                add("good\(index)@hostile.example;+39333000\(String(format: "%04d", index));pro;\(index);yes;2024-01-\(String(format: "%02d", index % 28 + 1));ok;;on;off;\(index)")
            }
            add("formula@hostile.example;;free;;;;=1+1;;;;")
            add("multiline@hostile.example;;;;;;\"first line\r\nsecond; with \"\"quotes\"\"\";;;;")
            add("prefs@hostile.example;;;;;;;\"{\"\"lang\"\":\"\"it\"\"}\";;;")
            add("not-an-email;;;;;;;;;;", bad: "not a valid email address")
            add("spaces in@hostile.example;;;;;;;;;;", bad: "not a valid email address")
            add("phone@hostile.example;+39 333 1234567;;;;;;;;;", bad: "not an E.164 phone number")
            add("phone2@hostile.example;3331234567;;;;;;;;;", bad: "not an E.164 phone number")
            add("plan@hostile.example;;gold;;;;;;;;", bad: "one of: free, pro, enterprise")
            add("seats@hostile.example;;;twelve;;;;;;;", bad: "a number is expected")
            add("vip@hostile.example;;;;perhaps;;;;;;", bad: "true or false is expected")
            add("date@hostile.example;;;;;2024-02-30;;;;;", bad: "a date is expected")
            add("json@hostile.example;;;;;;;{not json;;;", bad: "valid JSON is expected")
            add("consent@hostile.example;;;;;;;;maybe;;", bad: "is not a consent")
            add("escape@hostile.example;;;;;;\u{1B}[31mred\u{1B}[0m;;;;", bad: "control character U+001B (ESC)")
            add("nul@hostile.example;;;;;;a\u{07}bell;;;;", bad: "control character U+0007")
            add("GOOD0@hostile.example;;enterprise;;;;;;;;", bad: "the same email as line 2")
            add("dup-phone@hostile.example;+393330000001;;;;;;;;;", bad: "the same phone as line 3")
            add("\"broken\"quote@hostile.example;;;;;;;;;;", bad: "malformed quoting")
            add("cells@hostile.example;;;;;;;;;;;extra", bad: "cells where the header has 11")
            let text = "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
            #expect(lines.count - 1 >= 50 + 8)
            let file = try Self.write(text, to: "hostile.csv", in: directory)

            // An unknown column stops the import before anything is sent, naming it.
            let unknownFile = try Self.write("email;Plan;Colour\r\nx@hostile.example;pro;red\r\n", to: "unknown.csv", in: directory)
            let unknown = try await CLI.run(["import", unknownFile.path], environment: environment)
            #expect(unknown.status == 2, "\(unknown.stderr)")
            #expect(unknown.stderr.contains("unknown column 'Colour'"), "\(unknown.stderr)")
            #expect(unknown.stderr.contains("--skip"))
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == 0)
            let skipped = try await CLI.run(["import", unknownFile.path, "--skip", "Colour"], environment: environment)
            #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")

            let run = try await CLI.run(["import", file.path, "--map", "Telefono=phone"], environment: environment)
            #expect(run.status == 7, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("separator ';', byte-order mark"), "\(run.stdout)")
            #expect(run.stdout.contains("43 created, 0 updated, 0 unchanged, \(bad.count) rejected"), "\(run.stdout)")
            for (line, rejected) in bad {
                let said = run.stderr.split(separator: "\n").first { $0.hasPrefix("line \(line): ") }
                #expect(said?.contains(rejected.reason) == true, "line \(line) should say '\(rejected.reason)': \(said ?? "nothing")")
            }
            #expect(!run.stderr.contains("\u{1B}"), "a reason never carries a raw escape to the terminal")

            // The rejects file: line, column, reason, then the original row, byte for byte.
            let rejects = try String(contentsOf: directory.appendingPathComponent("hostile.rejects.csv"), encoding: .utf8)
            let rejectLines = rejects.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(rejectLines.first == "reject_line;reject_column;reject_reason;" + lines[0])
            #expect(rejectLines.count == bad.count + 1)
            for (line, rejected) in bad {
                #expect(rejectLines.contains { $0.hasPrefix("\(line);") && $0.hasSuffix(";" + rejected.row) }, "line \(line)")
            }

            // Nothing of a rejected row was sent; the rest arrived, exactly.
            let applied = try await Self.applied(url)
            let emails = Set(applied.compactMap { $0.body["email"]?.stringValue?.lowercased() })
            #expect(applied.count == 44)  // the 43 rows and the earlier --skip run
            for (line, rejected) in bad {
                let email = rejected.row.split(separator: ";").first.map(String.init)?.lowercased() ?? ""
                #expect(!emails.contains(email) || email == "good0@hostile.example", "line \(line) was sent")
            }
            #expect(!applied.contains { $0.body.jsonText.contains("\\u001b") || $0.body.jsonText.contains("gold") })
            let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            #expect(try await client.contact(email: "formula@hostile.example").value.customFields["Notes"] == "=1+1")
            #expect(try await client.contact(email: "multiline@hostile.example").value.customFields["Notes"] == "first line\r\nsecond; with \"quotes\"")
            #expect(try await client.contact(email: "prefs@hostile.example").value.customFields["Preferences"] == .object(["lang": "it"]))
            let good = try await client.contact(email: "good7@hostile.example").value
            #expect(good.customFields["Seats"] == .int(7))
            #expect(good.customFields["VIP"] == .bool(true))
            #expect(good.phone == "+393330000007")
            #expect(good.marketingConsent == MarketingConsent(email: true, whatsapp: false))
        }
    }

    @Test func ctrlCStopsCleanlyLeavingTheRestQueuedAndTheSameCommandResumes() async throws {
        // A 12 s window: the signal must land while the run waits for the reset, even when a
        // loaded machine is slow to see the first window's rows (a 4 s window was missed on CI).
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 20, window: .seconds(12)) }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-ctrl-c")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-ctrlc-0123456789")
            let lines = ["email,plan"] + (0..<30).map { "stop\($0)@import.example,pro" }
            let file = try Self.write(lines.joined(separator: "\n") + "\n", to: "stop.csv", in: directory)
            // Background work leaves 4 of 20 per window: the run sends 16, then waits for the reset.
            let run = try SpawnedMinimo(["import", file.path], environment: environment)
            try await MultiProcessTests.waitFor("the first window's rows") {
                try await MultiProcessTests.stats(url)["writesApplied"]?.intValue ?? 0 >= 15
            }
            kill(run.pid, SIGINT)
            await OffPool.run { [process = run.process] in process.waitUntilExit() }
            #expect(run.process.terminationStatus == 130, "\(run.stderr)")
            #expect(run.stderr.contains("run the same command again"), "\(run.stderr)")
            let outbox = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(!outbox.stdout.contains("sending"), "a clean stop releases every claim: \(outbox.stdout)")
            #expect(outbox.stdout.contains("pending"))
            let applied = try await MultiProcessTests.stats(url)["writesApplied"]?.intValue ?? 0
            #expect(applied < 30)

            let resumed = try await CLI.run(["import", file.path], environment: environment)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            #expect(resumed.stdout.contains("imported 30 rows: 30 created"), "\(resumed.stdout)")
            // Rows the stopped run saw confirmed count as applied earlier; a request in flight at
            // the signal may have been applied without its answer being seen: sent again now
            // under its key, the server replays it (applied once all the same).
            let earlier = resumed.stdout.split(separator: "\n").first { $0.contains("of them applied by an earlier run") }
                .flatMap { Int64($0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) } ?? 0
            #expect(earlier > 0 && earlier <= applied && applied - earlier <= 4, "\(applied) applied, \(earlier) seen: \(resumed.stdout)")
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["writesApplied"]?.intValue == 30)
            #expect(stats["idempotentReplays"]?.intValue == applied - earlier)
            #expect(MultiProcessTests.count429(stats) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
        }
    }

    @Test func editsAndLookupsInAnotherProcessGoThroughWhileAnImportWaitsForTheQuota() async throws {
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 20, window: .seconds(30)) }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-beside")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-beside-0123456789")
            let lines = ["email,plan"] + (0..<60).map { "beside\($0)@import.example,pro" }
            let file = try Self.write(lines.joined(separator: "\n") + "\n", to: "beside.csv", in: directory)
            let importer = try SpawnedMinimo(["import", file.path], environment: environment)
            defer { if importer.process.isRunning { kill(importer.pid, SIGKILL) } }
            // Background work keeps 4 of 20: the import sends 16 (after the definitions), then
            // holds its other rows queued until the window resets, 30 s later.
            try await MultiProcessTests.waitFor("the import to spend its share") {
                try await MultiProcessTests.stats(url)["requests"]?["total"]?.intValue ?? 0 >= 16
            }
            // A save and a lookup elsewhere are neither stuck behind the import's queued rows nor
            // sending them: each goes at once, from the reserve.
            let before = try await MultiProcessTests.stats(url)
            let writesBefore = before["writesApplied"]?.intValue ?? 0
            // 16 requests: the definitions and 15 rows (a row whose answer came late on a loaded
            // machine is sent again under its key: a replay, not a second write).
            #expect(writesBefore + (before["idempotentReplays"]?.intValue ?? 0) == 15, "\(before)")
            var seconds: [Double] = []
            for command in [["contacts", "update", "3", "--field", "plan=by hand", "--raw"], ["contacts", "get", "customer@example.com", "--fresh"]] {
                let started = Date()
                let run = try await CLI.run(command, environment: environment)
                seconds.append(Date().timeIntervalSince(started))
                #expect(run.status == 0, "\(command): \(run.stderr)")
            }
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["writesApplied"]?.intValue == writesBefore + 1, "the save alone: the import's rows were left to it")
            #expect(MultiProcessTests.count429(stats) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(importer.process.isRunning, "\(importer.stderr)")
            print(String(format: "import beside: a save and a lookup in other processes took %.2f s and %.2f s (whole processes) while the import waited", seconds[0], seconds[1]))
        }
    }

    @Test(arguments: ["csv", "jsonl"])
    func anExportImportedBackSendsNoWrite(format: String) async throws {
        try await withSandbox({ $0.contactCount = 200 }) { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-roundtrip-\(format)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-roundtrip-0123456789")
            let sync = try await CLI.run(["sync"], environment: environment)
            #expect(sync.status == 0, "\(sync.stderr)")
            let file = directory.appendingPathComponent("contacts.\(format)")
            let export = try await CLI.run(["export", "--format", format, "-o", file.path], environment: environment)
            #expect(export.status == 0, "\(export.stderr)")
            let before = try await MultiProcessTests.stats(url)
            // Every seeded hard case included: escapes, bidi, CJK, emoji, 5,000 characters, empty values.
            let run = try await CLI.run(["import", file.path], environment: environment)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("imported 200 rows: 0 created, 0 updated, 200 unchanged, 0 rejected"), "\(run.stdout)\(run.stderr)")
            let after = try await MultiProcessTests.stats(url)
            #expect(Self.requests(after, Self.upserts) == Self.requests(before, Self.upserts))
            #expect(after["writesApplied"]?.intValue == 0)
            #expect(Self.requests(after) - Self.requests(before) <= 1, "at most the field definitions")
        }
    }

    @Test func aLatin1FileIsRefusedNamingTheFlagAndImportedWithIt() async throws {
        try await withSandbox { url in
            let directory = try MultiProcessTests.temporaryDirectory("import-latin1")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = env(url, cache: directory.appendingPathComponent("cache"), key: "mn-test-latin1-0123456789")
            // Windows-1252: è is 0xE8, € is 0x80.
            var bytes = Array("email;city;notes\r\nlatin@example.it;Citt".utf8) + [0xE0] + Array(" di Castello;prezzo 5 ".utf8) + [0x80]
            bytes += Array("\r\n".utf8)
            let file = directory.appendingPathComponent("latin1.csv")
            try Data(bytes).write(to: file)
            let refused = try await CLI.run(["import", file.path], environment: environment)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("not UTF-8"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--latin1"), "\(refused.stderr)")
            #expect(try await MultiProcessTests.stats(url)["requests"]?["total"]?.intValue == 0)

            let run = try await CLI.run(["import", file.path, "--latin1"], environment: environment)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("converted from Windows-1252"))
            let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            let contact = try await client.contact(email: "latin@example.it").value
            #expect(contact.customFields["city"] == "Città di Castello")
            #expect(contact.customFields["notes"] == "prezzo 5 €")
        }
    }
}
