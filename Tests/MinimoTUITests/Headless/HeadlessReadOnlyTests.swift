import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// A read-only profile in the TUI: its label leads the status bar, and every edit is refused
/// saying why, before anything reaches the outbox.
@Suite struct HeadlessReadOnlyTests {
    @Test func theTUIShowsTheLabelAndRefusesEditsSayingWhy() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(
                sandbox, columns: 140, profile: "prod", label: ProfileLabel(text: "PROD", color: "red"), readOnly: true
            ) { tui in
                let first = tui.screen
                #expect(first.contains(" PROD  read-only prod"), "the badge and the mark lead the status bar:\n\(first)")
                tui.type("customer@example.com")
                tui.press("Enter")
                try await tui.waitFor("\"Acme Corp\"")
                // e would open the line editor (its hint: Enter apply), Space would toggle consent
                // (1 unsaved), s would open the review: each is refused instead.
                for keys in [["e"], ["s"], ["Tab", "Space"]] {
                    for key in keys { tui.press(key) }
                    let refused = try await tui.waitFor("read-only profile")
                    #expect(!refused.contains("Enter apply") && !refused.contains("unsaved") && !refused.contains("Review"), "\(keys)")
                }
                let screen = try await tui.waitUntilIdle()
                #expect(!screen.contains("unsaved"))
                #expect(!screen.contains("unsent"))
                #expect(try await tui.store.outbox().isEmpty)
                #expect(try await sandbox.writesApplied() == 0)
            }
        }
    }
}
