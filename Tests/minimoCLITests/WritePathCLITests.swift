import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The command line's writes go through the store's one write path: `--field` values are
/// checked against the account's field definitions before anything is queued (`--raw` skips
/// the check), and every command's exchanges reach the request log (`minimo log`).
@Suite(.serialized) struct WritePathCLITests {
    let key = "mn-test-writepath-0123456789"

    func env(_ url: URL, cache: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key, "MINIMO_CACHE_DIR": cache.path]
    }

    @Test func aFieldValueItsNumberDefinitionRefusesExitsSevenAndNothingIsQueuedOrSent() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("field-typing")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in  // customer@example.com is contact 42
            let environment = env(url, cache: cache)
            let run = try await CLI.run(["contacts", "update", "42", "--field", "seats=abc"], environment: environment)
            #expect(run.status == 7, "\(run.stdout)\(run.stderr)")
            // The field, its definition's type and the value, and that nothing happened.
            #expect(
                run.stderr.contains("field 'seats' (defined as SEATS) is a number field: 'abc' is refused: a number is expected"),
                "\(run.stderr)")
            #expect(run.stderr.contains("nothing was queued or sent"), "\(run.stderr)")
            #expect(run.stderr.contains("--raw"), "\(run.stderr)")
            let outbox = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(outbox.stdout.contains("outbox empty"), "\(outbox.stdout)")
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["writesApplied"]?.intValue == 0, "\(stats)")
            #expect(try await MultiProcessTests.call("GET", url, "/__sandbox/applied")["total"]?.intValue == 0)
            // The definitions were asked for, and nothing else: no write was attempted.
            #expect(stats["requests"]?["byRoute"]?.objectValue.map { Set($0.keys) } == ["GET /public/v1/custom-fields"], "\(stats)")

            // A value the definition accepts goes out typed: a number, not the text "7".
            let typed = try await CLI.run(["contacts", "update", "42", "--field", "seats=7", "--json"], environment: environment)
            #expect(typed.status == 0, "\(typed.stderr)")
            let contact = try Contact(json: JSONValue.parse(Data(typed.stdout.utf8)))
            #expect(contact.customFields["seats"] == .int(7))
        }
    }

    @Test func rawSendsTheValueWithoutTheCheck() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("field-raw")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in  // customer@example.com is contact 42
            let environment = env(url, cache: cache)
            let run = try await CLI.run(["contacts", "update", "42", "--field", "seats=abc", "--raw", "--json"], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            let contact = try Contact(json: JSONValue.parse(Data(run.stdout.utf8)))
            #expect(contact.customFields["seats"] == .string("abc"))
            let stats = try await MultiProcessTests.stats(url)
            #expect(stats["writesApplied"]?.intValue == 1)
            // Unchecked: the definitions were not even asked for.
            #expect(stats["requests"]?["byRoute"]?["GET /public/v1/custom-fields"] == nil, "\(stats)")
        }
    }

    @Test func anUpsertIsCheckedToo() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("field-upsert")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in  // customer@example.com is contact 42
            let run = try await CLI.run(
                ["contacts", "upsert", "--email", "new@example.com", "--field", "plan=platinum"], environment: env(url, cache: cache))
            #expect(run.status == 7, "\(run.stderr)")
            #expect(run.stderr.contains("field 'plan' (defined as PLAN) is a select field: 'platinum' is refused: one of: free, pro, enterprise"))
            #expect(try await MultiProcessTests.stats(url)["writesApplied"]?.intValue == 0)
        }
    }

    @Test func contactsListAndFieldsListShowUpInTheRequestLog() async throws {
        let cache = try MultiProcessTests.temporaryDirectory("request-log")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in  // customer@example.com is contact 42
            let environment = env(url, cache: cache)
            let empty = try await CLI.run(["log"], environment: environment)
            #expect(empty.status == 0 && empty.stdout.isEmpty, "\(empty.stdout)")
            let list = try await CLI.run(["contacts", "list", "--limit", "5"], environment: environment)
            #expect(list.status == 0, "\(list.stderr)")
            let fields = try await CLI.run(["fields", "list"], environment: environment)
            #expect(fields.status == 0, "\(fields.stderr)")
            let log = try await CLI.run(["log"], environment: environment)
            #expect(log.status == 0, "\(log.stderr)")
            let lines = log.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            // time, method, path, status, ms, quota: the listing, then the definitions.
            #expect(lines.map { Array($0.dropFirst().prefix(3)) } == [
                ["GET", "/public/v1/contacts", "200"], ["GET", "/public/v1/custom-fields", "200"],
            ], "\(log.stdout)")
            #expect(lines.allSatisfy { $0.last?.hasPrefix("quota ") == true }, "\(log.stdout)")
            #expect(!log.stdout.contains(key) && !log.stderr.contains(key))
        }
    }
}
