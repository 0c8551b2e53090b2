import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// Bulk edits in the TUI: the real loop in-process against the sandbox over HTTP, the list
/// filled by a real sync, what was applied read from `/__sandbox/applied`.
@Suite struct HeadlessBulkTests {
    /// The sandbox's applied writes of bulk edits (PUTs under a `minimo-bulk-` key).
    static func bulkWrites(_ sandbox: SandboxFixture) async throws -> [(path: String, key: String, body: JSONValue)] {
        let writes = try await sandbox.call("GET", "/__sandbox/applied")["writes"]?.arrayValue ?? []
        return writes.compactMap { write in
            guard write["method"]?.stringValue == "PUT", let key = write["idempotencyKey"]?.stringValue, key.hasPrefix("minimo-bulk-"),
                let path = write["path"]?.stringValue
            else { return nil }
            let body = write["body"]?.stringValue.flatMap { try? JSONValue.parse(Data($0.utf8)) } ?? .null
            return (path, key, body)
        }
    }

    /// `minimo sync` first, so the list holds every contact.
    func sync(_ sandbox: SandboxFixture) async throws {
        let report = try await sandbox.store().sync()
        #expect(report.listingAvailable)
    }

    @Test func markFiveSetAFieldReviewFiveRequestsAndTheSandboxGetsFiveWrites() async throws {
        try await SandboxFixture.with({ $0.contactCount = 40 }) { sandbox in
            try await sync(sandbox)
            try await TUIDriver.with(sandbox, columns: 200) { tui in
                // The list, filled from the cache: a key before it would mark nothing.
                try await tui.waitFor("customer@example.com")
                // Esc leaves the search box for the list; m marks and moves down.
                tui.press("Escape", "m", "m", "m", "m", "m")
                try await tui.waitUntil("five marked") { $0.contains("40 · 5 marked") && $0.contains("│ 5 marked") }
                tui.press("b")
                try await tui.waitFor("set a custom field")
                tui.press("f")
                try await tui.waitFor("field to set:")
                tui.type("seats")
                tui.press("Enter")
                try await tui.waitFor("(number) =")
                tui.type("4242")
                tui.press("Enter")
                let review = try await tui.waitFor("5 request(s)")
                #expect(review.contains("5 contact(s) · 5 request(s)"), "\(review)")
                #expect(review.contains("{\"customFields\":{\"seats\":4242}}"))
                #expect(review.contains("ETA:"))
                try await tui.waitUntilIdle()
                #expect(try await Self.bulkWrites(sandbox).isEmpty, "nothing is sent before y")

                tui.press("y")
                try await tui.waitFor("bulk edit done: 5 of 5 sent")
                let writes = try await Self.bulkWrites(sandbox)
                #expect(writes.count == 5)
                #expect(Set(writes.map(\.path)).count == 5, "five different contacts")
                #expect(writes.allSatisfy { $0.body["customFields"]?["seats"] == .int(4242) })
                #expect(try await sandbox.count429() == 0)
            }
        }
    }
}
