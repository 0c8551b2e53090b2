import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache
import MinimoTestSupport

/// `minimo export`, run as a real process on a cache filled by a real `minimo sync` from a real
/// sandbox: every format, the file's mode and atomic replacement, the freshness note, and the
/// promise that an export sends nothing (the sandbox's request count does not move).
@Suite(.serialized) struct ExportCLITests {
    let key = "mn-test-export-0123456789abcdef"

    func env(_ url: URL, cache: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key, "MINIMO_CACHE_DIR": cache.path]
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func stats(_ url: URL) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(method: "GET", url: url.absoluteString + "/__sandbox/stats", headers: [], body: nil), timeout: 10)
        return try JSONValue.parse(response.body)
    }

    static func total(_ stats: JSONValue) -> Int64 { stats["requests"]?["total"]?.intValue ?? -1 }

    static func mode(_ path: String) -> UInt16 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return UInt16(info.st_mode & 0o777)
    }

    static func text(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    /// Rows of a CSV as dictionaries by header, read by the importer's RFC 4180 reader (the
    /// writer's own unit tests use an independent one).
    static func rows(_ csv: String) -> (header: [String], rows: [[String: String]]) {
        var reader = CSVRecordReader(bytes: Array(csv.utf8), separator: UInt8(ascii: ","))
        var records: [[String]] = []
        while let record = try? reader.next() { records.append(record.fields) }
        guard let header = records.first else { return ([], []) }
        return (header, records.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first }) })
    }

    @Test func csvJSONLinesAndVCardFromTheCacheCostNoRequest() async throws {
        let cache = try Self.temporaryDirectory("export-cache")
        let out = try Self.temporaryDirectory("export-out")
        defer {
            try? FileManager.default.removeItem(at: cache)
            try? FileManager.default.removeItem(at: out)
        }
        try await withSandbox({ $0.contactCount = 150 }) { url in
            // A formula and a negative number in the data, written as any edit is.
            let upsert = try await CLI.run(
                ["contacts", "upsert", "--email", "formula@example.com", "--phone", "+393401234567",
                 "--field", "note==HYPERLINK(\"http://evil.example\",\"click\")", "--field", "seats=-3"],
                environment: env(url, cache: cache))
            #expect(upsert.status == 0, "\(upsert.stderr)")
            let sync = try await CLI.run(["sync"], environment: env(url, cache: cache))
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.stdout.contains("synced 151 contacts"), "\(sync.stdout)")
            let before = Self.total(try await Self.stats(url))

            // CSV to a file.
            let csvURL = out.appendingPathComponent("contacts.csv")
            let csv = try await CLI.run(["export", "--format", "csv", "-o", csvURL.path], environment: env(url, cache: cache))
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(csv.stdout.isEmpty)
            #expect(csv.stderr.contains("151 contacts"), "\(csv.stderr)")
            #expect(csv.stderr.contains("no request made"))
            #expect(csv.stderr.contains("last complete sync"))
            #expect(csv.stderr.contains("fetched from the API"))
            #expect(csv.stderr.contains("exported 151 contacts to"))
            #expect(Self.mode(csvURL.path) == 0o600)
            let table = Self.rows(try Self.text(csvURL))
            #expect(table.rows.count == 151)
            #expect(Array(table.header.prefix(2)) == ["email", "phone"])
            #expect(Array(table.header.suffix(3)) == ["consent_email", "consent_whatsapp", "id"])
            #expect(table.header.contains("first_name") && table.header.contains("preferences"))
            #expect(Set(table.rows.compactMap { $0["id"] }).count == 151)

            let customer = try #require(table.rows.first { $0["email"] == "customer@example.com" })
            #expect(customer["phone"] == "+393391234567")  // E.164: not neutralised
            #expect(customer["company"] == "Acme Corp")
            #expect(customer["plan"] == "enterprise")
            #expect(customer["consent_email"] == "on" && customer["consent_whatsapp"] == "off")
            #expect(customer["id"] == "42")
            #expect(customer["first_name"] == "")  // absent: empty, which import reads as unchanged

            let formula = try #require(table.rows.first { $0["email"] == "formula@example.com" })
            #expect(formula["note"] == "'=HYPERLINK(\"http://evil.example\",\"click\")")
            #expect(formula["seats"] == "-3")
            #expect(formula["phone"] == "+393401234567")

            // Hostile values travel exactly, inside quotes.
            let mallory = try #require(table.rows.first { $0["email"] == "mallory@example.net" })
            #expect(mallory["company"] == "Evil\rCorp")
            #expect(mallory["last_name"] == "\u{202E}yrollaM")
            #expect(mallory["notes"]?.hasPrefix("\u{1B}[31mred\u{1B}[0m then\rOVERWRITTEN") == true)
            let jose = try #require(table.rows.first { $0["email"] == "josé.müller@example.it" })
            #expect(jose["seats"] == "12" && jose["vip"] == "true")
            let preferences = try JSONValue.parse(Data((jose["preferences"] ?? "").utf8))
            #expect(preferences["language"] == "it")

            // JSON Lines: one cached object per line.
            let jsonlURL = out.appendingPathComponent("contacts.jsonl")
            let jsonl = try await CLI.run(["export", "--format", "jsonl", "-o", jsonlURL.path], environment: env(url, cache: cache))
            #expect(jsonl.status == 0, "\(jsonl.stderr)")
            #expect(Self.mode(jsonlURL.path) == 0o600)
            let lines = try Self.text(jsonlURL).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            #expect(lines.count == 152)
            let objects = try lines.dropLast().map { try JSONValue.parse(Data($0.utf8)) }
            let customerJSON = try #require(objects.first { $0["email"] == "customer@example.com" })
            #expect(customerJSON["custom_fields"]?["company"] == "Acme Corp")
            #expect(customerJSON["id"] == 42)

            // vCard.
            let vcardURL = out.appendingPathComponent("contacts.vcf")
            let vcard = try await CLI.run(["export", "--format", "vcard", "-o", vcardURL.path], environment: env(url, cache: cache))
            #expect(vcard.status == 0, "\(vcard.stderr)")
            #expect(Self.mode(vcardURL.path) == 0o600)
            let cards = try Data(contentsOf: vcardURL)
            let cardText = String(decoding: cards, as: UTF8.self)
            #expect(cardText.components(separatedBy: "BEGIN:VCARD\r\nVERSION:4.0\r\n").count == 152)
            #expect(cardText.components(separatedBy: "END:VCARD\r\n").count == 152)
            #expect(cardText.contains("\r\nFN:José Müller\r\n"))
            #expect(cardText.contains("\r\nN:Müller;José;;;\r\n"))
            #expect(cardText.contains("\r\nTEL;VALUE=uri:tel:+393391234567\r\n"))
            #expect(!cardText.unicodeScalars.contains { $0.value == 0x1B })
            for line in cards.split(separator: UInt8(ascii: "\n")) {
                #expect(line.last == UInt8(ascii: "\r"))
                #expect(line.count - 1 <= 75)
            }

            // --query: every match, not a first page of 50.
            let query = try await CLI.run(["export", "--query", "EXAMPLE.", "--fields", "email,id"], environment: env(url, cache: cache))
            #expect(query.status == 0, "\(query.stderr)")
            let matched = Self.rows(query.stdout)
            #expect(matched.header == ["email", "id"])
            let expected = table.rows.filter { $0["email"]?.lowercased().contains("example.") == true }.count
            #expect(expected > 50)
            #expect(matched.rows.count == expected)
            #expect(query.stderr.contains("\(expected) contacts whose email contains 'example.'"))

            // Not one request for any of it; no temporary file left beside the exports.
            #expect(Self.total(try await Self.stats(url)) == before)
            let left = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(left == ["contacts.csv", "contacts.jsonl", "contacts.vcf"])
        }
    }

    @Test func syncFirstKeepsStdoutForTheCSV() async throws {
        let cache = try Self.temporaryDirectory("export-sync")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 150 }) { url in
            let run = try await CLI.run(["export", "--sync"], environment: env(url, cache: cache))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("synced 150 contacts in 2 requests"), "\(run.stderr)")
            #expect(run.stderr.contains("last complete sync"))
            #expect(!run.stderr.contains("no request made"))
            let table = Self.rows(run.stdout)
            #expect(table.rows.count == 150)
            // With the definitions fetched, their order leads the custom columns.
            #expect(Array(table.header.prefix(8)) == ["email", "phone", "first_name", "last_name", "nickname", "company", "plan", "seats"])
            let stats = try await Self.stats(url)
            #expect(stats["requests"]?["byRoute"]?["GET /public/v1/contacts"]?.intValue == 2)
            #expect(stats["requests"]?["byRoute"]?["GET /public/v1/contacts/by-email/{email}"] == nil)
        }
    }

    @Test func withoutASyncItSaysSoAndAnExistingFileIsReplacedPrivately() async throws {
        let cache = try Self.temporaryDirectory("export-lookups")
        let out = try Self.temporaryDirectory("export-replace")
        defer {
            try? FileManager.default.removeItem(at: cache)
            try? FileManager.default.removeItem(at: out)
        }
        try await withSandbox { url in
            #expect(try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, cache: cache)).status == 0)
            let target = out.appendingPathComponent("old.csv")
            try Data("old,contents\n".utf8).write(to: target)
            _ = chmod(target.path, 0o644)
            let before = Self.total(try await Self.stats(url))
            let run = try await CLI.run(["export", "-o", target.path, "--bom"], environment: env(url, cache: cache))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("1 contact from the cache"), "\(run.stderr)")
            #expect(run.stderr.contains("only contacts looked up one by one; --sync copies all"))
            #expect(Self.mode(target.path) == 0o600)
            let text = try Self.text(target)
            #expect(text.hasPrefix("\u{FEFF}email,phone,"))
            #expect(Self.rows(String(text.dropFirst())).rows.map { $0["email"] } == ["customer@example.com"])
            #expect(Self.total(try await Self.stats(url)) == before)
        }
    }

    @Test func anInterruptedExportLeavesTheOldFileAndNoPartOfTheNewOne() async throws {
        let cache = try Self.temporaryDirectory("export-interrupt")
        let out = try Self.temporaryDirectory("export-interrupt-out")
        defer {
            try? FileManager.default.removeItem(at: cache)
            try? FileManager.default.removeItem(at: out)
        }
        try await withSandbox({ $0.contactCount = 3000 }) { url in
            #expect(try await CLI.run(["sync"], environment: env(url, cache: cache)).status == 0)
            let target = out.appendingPathComponent("cards.vcf")
            try Data("the previous export\n".utf8).write(to: target)

            let child = Process()
            child.executableURL = CLI.binary
            child.arguments = ["export", "--format", "vcard", "-o", target.path]
            child.environment = ["PATH": "/usr/bin:/bin", "HOME": out.path].merging(env(url, cache: cache)) { _, new in new }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            // Wait for the temporary file to appear (the export is under way), then Ctrl-C.
            var temporary: String?
            let deadline = Date().addingTimeInterval(30)
            while temporary == nil, child.isRunning, Date() < deadline {
                temporary = try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasPrefix(".cards.vcf.minimo-") }
                if temporary == nil { try await Task.sleep(nanoseconds: 2_000_000) }  // ok: polling a condition
            }
            #expect(temporary != nil, "the export finished before it could be interrupted")
            kill(child.processIdentifier, SIGINT)
            await OffPool.run { child.waitUntilExit() }
            #expect(child.terminationReason == .exit && child.terminationStatus == 130)
            #expect(try Self.text(target) == "the previous export\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["cards.vcf"])
        }
    }

    @Test func badRequestsAreUsageErrorsAndLeaveNoFile() async throws {
        let cache = try Self.temporaryDirectory("export-bad")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox { url in
            let target = cache.appendingPathComponent("never.csv")
            let cases: [([String], Int32, String)] = [
                (["export", "--format", "xml", "-o", target.path], 2, "--format"),
                (["export", "--fields", "email,nope", "-o", target.path], 2, "'nope'"),
                (["export", "--format", "jsonl", "--fields", "email", "-o", target.path], 2, "--fields"),
                (["export", "--format", "vcard", "--bom", "-o", target.path], 2, "--bom"),
                (["export", "-o", cache.appendingPathComponent("no/such/dir/f.csv").path], 1, "cannot create"),
            ]
            for (arguments, status, says) in cases {
                let run = try await CLI.run(arguments, environment: env(url, cache: cache))
                #expect(run.status == status, "\(arguments): \(run.stderr)")
                #expect(run.stderr.contains(says), "\(arguments): \(run.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: target.path))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.contains("minimo-") }
            #expect(leftovers.isEmpty)
        }
    }
}
