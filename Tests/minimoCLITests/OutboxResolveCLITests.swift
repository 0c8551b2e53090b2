import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// `minimo outbox resolve`: a conflict held by `contacts update` is settled from the command
/// line, with mine or theirs. (The same decisions inside the TUI are in-process stories:
/// `HeadlessOutboxTests`.)
@Suite(.serialized) struct OutboxResolveCLITests {
    static let key = "mn-test-outbox-0123456789abcdef"

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
