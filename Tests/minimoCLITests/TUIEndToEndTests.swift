import Foundation
import MinimoSandbox
import Testing

/// What only a real terminal shows of the TUI's layout: the `minimo` binary in tmux against a
/// real sandbox. (The user stories run in-process: `Tests/MinimoTUITests/Headless`.)
@Suite(.serialized) struct TUIEndToEndTests {
    struct Session {
        let tmux: TmuxSession
        let url: URL
    }

    /// A sandbox, and the TUI on it in tmux.
    func withTUI(columns: Int = 120, rows: Int = 40, _ body: (Session) async throws -> Void) async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-e2e-\(UUID())")
        defer { try? FileManager.default.removeItem(at: cache) }
        try await withSandbox({ $0.contactCount = 50 }) { url in
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": "mn-test-e2e-0123456789abcdef",
                "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path,
            ]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: columns, rows: rows)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try await body(Session(tmux: tmux, url: url))
        }
    }

    func lookUp(_ session: Session, _ email: String = "customer@example.com") async throws {
        try session.tmux.type(email)
        try session.tmux.press("Enter")
        try await session.tmux.waitFor("Contact #")
    }

    @Test func resizeFrom120x40To80x24AndBack() async throws {
        try await withTUI { session in
            try await lookUp(session)
            try await session.tmux.waitFor("Acme Corp")
            try session.tmux.resize(columns: 80, rows: 24)
            let small = try await session.tmux.waitUntil("an 80×24 frame") { screen in
                let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
                return lines.count >= 24 && lines[23].contains("quota") && lines[0].hasPrefix("┌ Search")
            }
            let lines = small.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.count <= 80 })
            #expect(small.contains("Acme Corp"))
            try session.tmux.resize(columns: 120, rows: 40)
            let big = try await session.tmux.waitUntil("a 120×40 frame") { screen in
                let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
                return lines.count >= 40 && lines[39].contains("quota")
            }
            let bigLines = big.split(separator: "\n", omittingEmptySubsequences: false).prefix(40)
            // Every pane border is whole: no leftovers of the small frame.
            #expect(bigLines.first?.hasSuffix("┐") == true)
            #expect(bigLines[38].hasSuffix("┘"))
            #expect(big.contains("Acme Corp"))
        }
    }
}
