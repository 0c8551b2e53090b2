import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// User stories about one contact, each a session of the real TUI loop in-process on a
/// headless terminal, against a real sandbox over HTTP (see `TUIDriver`). They were tmux
/// stories; what only a real terminal shows stays in tmux (README, Tests).
@Suite struct HeadlessContactTests {
    func lookUp(_ tui: TUIDriver, _ email: String = "customer@example.com") async throws {
        tui.type(email)
        tui.press("Enter")
        try await tui.waitFor("Contact #")
    }

    @Test func lookUpAnEmailAndSeeItsDetail() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                let screen = try await tui.waitFor("Acme Corp")
                #expect(screen.contains("+393391234567"))
                #expect(screen.contains("enterprise"))
                #expect(screen.contains("from API") || screen.contains("cached"), "\(screen)")
            }
        }
    }

    @Test func editACustomFieldSaveAndReadItBackFromTheSandbox() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                try await tui.waitFor("\"enterprise\"")
                // Fields pane is focused after a lookup; Plan is the second row.
                tui.press("j", "e", "C-u")
                tui.type("pro")
                tui.press("Enter")
                try await tui.waitFor("1 unsaved")
                tui.press("s")
                try await tui.waitFor("This exact JSON will be sent")
                #expect(try await sandbox.serverContact().customFields["plan"] == "enterprise", "nothing is sent before y")
                tui.press("y")
                try await tui.waitFor("saved: PUT")
                #expect(try await sandbox.serverContact().customFields["plan"] == "pro")
            }
        }
    }

    @Test func addAFieldThenDeleteIt() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                try await tui.waitFor("\"Acme Corp\"")
                tui.press("a")
                try await tui.waitFor("new field key:")
                tui.type("seats")
                tui.press("Enter")
                tui.type("12")
                tui.press("Enter")
                try await tui.waitFor("1 unsaved")
                tui.press("s")
                try await tui.waitFor("\"seats\": 12")
                tui.press("y")
                try await tui.waitFor("saved: PUT")
                #expect(try await sandbox.serverContact().customFields["seats"] == .int(12))

                // Delete it: select the row, d, confirm, save.
                tui.press("G", "d")
                try await tui.waitFor("Delete the custom field")
                tui.press("y")
                try await tui.waitFor("(deleted on save)")
                tui.press("s")
                try await tui.waitFor("null")
                tui.press("y")
                try await tui.waitUntil("the save to finish") { $0.contains("saved: PUT") && !$0.contains("(deleted on save)") }
                #expect(try await sandbox.serverContact().customFields["seats"] == nil)
            }
        }
    }

    @Test func toggleWhatsAppConsentAndSeeItInTheSandbox() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                try await tui.waitFor("[ ] WhatsApp")
                tui.press("Tab", "j", "Space")
                try await tui.waitFor("[x] WhatsApp")
                tui.press("s")
                try await tui.waitFor("\"whatsapp\": true")
                tui.press("y")
                try await tui.waitFor("saved: PUT")
                let consent = try await sandbox.serverContact().marketingConsent
                #expect(consent?.whatsapp == true)
                #expect(consent?.email == true)  // untouched
            }
        }
    }

    @Test func rawViewShowsTheResponseJSONWithTheKeyMasked() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                tui.press("r")
                let screen = try await tui.waitFor("Response body")
                #expect(screen.contains("GET /public/v1/contacts/by-email/customer%40example.com → 200"))
                #expect(screen.contains("Authorization: Bearer mn-te…•••"))
                #expect(!screen.contains("0123456789abcdef"))
                #expect(screen.contains("\"custom_fields\": {"))
            }
        }
    }

    @Test func theRequestLogListsEveryExchangeAndShowsOneRaw() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                try await tui.waitFor("\"Acme Corp\"")
                tui.press("L")
                let log = try await tui.waitFor("/public/v1/contacts/by-email/customer%40example.com")
                #expect(log.contains("2 exchanges"), "the definitions read at start, then the lookup:\n\(log)")
                #expect(log.range(of: #"GET +200 +\d+ +\d+/100 +/public/v1/custom-fields"#, options: .regularExpression) != nil, "\(log)")
                #expect(log.range(of: #"GET +200 +\d+ +\d+/100 +/public/v1/contacts/by-email/"#, options: .regularExpression) != nil)
                // Enter shows the selected one whole, the key masked.
                tui.press("Enter")
                let raw = try await tui.waitFor("Response body")
                #expect(raw.contains("Bearer mn-te…•••"))
                #expect(!raw.contains(SandboxFixture.key))
            }
        }
    }

    /// The open log follows new exchanges, another process's too (here a second store on the
    /// same cache, as `minimo sync` from cron would be).
    @Test func theOpenRequestLogFollowsNewExchanges() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await tui.waitFor("quota 99/100")
                tui.press("Escape", "L")
                let before = try await tui.waitFor("1 exchanges")
                #expect(!before.contains("by-email"))
                let other = try tui.store.sibling()
                _ = try await other.contact(email: "customer@example.com", refresh: true)
                let after = try await tui.waitFor("2 exchanges")
                #expect(after.contains("/public/v1/contacts/by-email/customer%40example.com"), "\(after)")
            }
        }
    }

    @Test func quotaDropsByOnePerRequestAndCountsDownWithNoKeyPressed() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                // At start: the field definitions (1 request).
                let first = try await tui.waitFor("quota 99/100")
                func reset(_ screen: String) -> Int? {
                    guard let range = screen.range(of: #"reset \d+s"#, options: .regularExpression) else { return nil }
                    return Int(screen[range].dropFirst(6).dropLast())
                }
                let start = try #require(reset(first))
                try await tui.waitUntil("the countdown to move") { reset($0).map { $0 < start } ?? false }
                try await lookUp(tui)
                try await tui.waitFor("quota 98/100")
                // A fresh cached contact costs nothing: look it up again.
                tui.press("/", "C-u")
                tui.type("customer@example.com")
                tui.press("Enter")
                try await tui.waitFor("cached ·")
                #expect(try await tui.waitUntilIdle().contains("quota 98/100"))
                tui.press("R")
                try await tui.waitFor("quota 97/100")
            }
        }
    }

    @Test func quitWithUnsavedChangesAsksFirstAndTheNextStartOffersTheDraft() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                try await lookUp(tui)
                try await tui.waitFor("\"enterprise\"")
                tui.press("j", "e", "C-u")
                tui.type("free")
                tui.press("Enter")
                try await tui.waitFor("1 unsaved")
                tui.press("q")
                try await tui.waitFor("unsaved change(s)")
                tui.press("Escape")
                try await tui.waitUntil("the dialog to close") { !$0.contains("unsaved change(s).") }
                #expect(!tui.hasExited)
                tui.press("q")
                try await tui.waitFor("unsaved change(s)")
                tui.press("y")
                try await tui.waitForExit()
                #expect(tui.app.exitSignal == 0, "the user quit")
                #expect(try await sandbox.serverContact().customFields["plan"] == "enterprise")
            }
            // The next start offers the draft again, for review: still not sent.
            try await TUIDriver.with(sandbox) { again in
                try await again.waitFor("1 unsaved draft(s) kept")
                again.type("customer@example.com")
                again.press("Enter")
                let restored = try await again.waitFor("restored 1 unsaved")
                #expect(restored.contains("*Plan"))
                #expect(restored.contains("\"free\""))
                #expect(try await sandbox.serverContact().customFields["plan"] == "enterprise")
            }
        }
    }

    @Test func helpListsTheKeysInEffectAndGGoesToItsEnd() async throws {
        try await SandboxFixture.with { sandbox in
            try await TUIDriver.with(sandbox) { tui in
                tui.press("Escape", "?")
                let top = try await tui.waitUntil("the help's first page") {
                    $0.contains("Help · the keys in effect") && $0.contains("Everywhere on the main screen")
                }
                for key in ["/", "Tab", "Shift-Tab", "r", "L", "s  Ctrl-S", "?", "q"] {
                    #expect(top.contains("  " + key + " "), "the help's first page does not list \(key)")
                }
                // G: the last page, where the fixed keys are; g: back to the top.
                tui.press("G")
                let bottom = try await tui.waitUntil("the help's last page") { $0.contains("Fixed keys") && $0.contains("Ctrl-C") }
                for key in ["e  Enter", "Space  Enter", "Esc"] {
                    #expect(bottom.contains(key) || top.contains(key), "the help does not list \(key)")
                }
                tui.press("g")
                try await tui.waitUntil("back at the top") { $0.contains("Everywhere on the main screen") && !$0.contains("Fixed keys") }
            }
        }
    }
}
