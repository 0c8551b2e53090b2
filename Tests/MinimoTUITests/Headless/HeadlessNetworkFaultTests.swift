import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// The network fails under the TUI (the real loop in-process, the sandbox over HTTP): the
/// server is down when it starts, or goes away in the middle of an edit and comes back.
@Suite struct HeadlessNetworkFaultTests {
    @Test func serverDownAtStartOpensOfflineOnCachedData() async throws {
        try await SandboxFixture.with { sandbox in
            // A sync fills the cache; then the sandbox goes and its port refuses connections.
            _ = try await sandbox.store().sync()
            await sandbox.stopServer()
            try await TUIDriver.with(sandbox) { tui in
                let opened = try await tui.waitUntil("the cached list and the offline status") {
                    $0.contains("offline") && $0.contains("@")
                }
                #expect(opened.contains("Contacts"))
                #expect(!opened.contains("No contacts"))

                // A contact in the cache opens from it, and says so.
                tui.type("customer@example.com")
                tui.press("Enter")
                let detail = try await tui.waitFor("Acme Corp")
                #expect(detail.contains("cached ·"))
                #expect(detail.contains("offline"))

                // One that is not cached gets a clear message, not a hang or a crash.
                tui.press("/", "C-u")
                tui.type("nobody-cached@example.org")
                tui.press("Enter")
                // The contact list, under the search box, gives the whole reason; the status bar a part.
                let refused = try await tui.waitUntil("the failure under the search box and in the status bar") {
                    $0.contains("Lookup failed") && $0.contains("error: nobody-cached@")
                }
                #expect(refused.contains("offline"))
                let reason = refused.lowercased()
                #expect(reason.contains("connect") || reason.contains("refused") || reason.contains("no answer"), "screen:\n\(refused)")
            }
        }
    }

    @Test func serverGoneMidEditQueuesTheEditAndSendsItWhenBack() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                tui.type("customer@example.com")
                tui.press("Enter")
                try await tui.waitFor("\"enterprise\"")

                // The server goes away; the edit is made and saved all the same.
                await sandbox.stopServer()
                tui.press("j", "e", "C-u")
                tui.type("pro")
                tui.press("Enter")
                try await tui.waitFor("1 unsaved")
                tui.press("s")
                try await tui.waitFor("This exact JSON will be sent")
                tui.press("y")
                let queued = try await tui.waitFor("queued, not sent yet")
                #expect(queued.contains("offline"))

                // It is in the outbox, on disk, for any store on the cache to see ("sending"
                // when the TUI's retry happens to be trying it at that moment).
                let outbox = try await sandbox.store().outbox()
                #expect(outbox.count == 1)
                #expect(outbox.allSatisfy { $0.state == .pending || $0.state == .sending }, "\(outbox.map(\.state))")

                // The server comes back on the same address: the TUI sends the edit by itself.
                try await sandbox.restartServer()
                let sent = try await tui.waitFor("sent 1 queued edit(s)")
                #expect(sent.contains("online"))
                #expect(try await sandbox.serverContact().customFields["plan"] == "pro")
                #expect(try await tui.store.outbox().isEmpty)
            }
        }
    }
}
