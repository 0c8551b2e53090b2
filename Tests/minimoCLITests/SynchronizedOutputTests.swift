import Foundation
import Testing
import MinimoTestSupport

/// Synchronized output (DEC mode 2026): each frame is wrapped in `ESC[?2026h` … `ESC[?2026l` so a
/// slow SSH link never shows half of one. The real binary on a pty made by `script(1)`, whose
/// typescript holds every byte the TUI wrote; Ctrl-C is typed once the first frame is there.
@Suite(.serialized) struct SynchronizedOutputTests {
    /// Runs `minimo demo` on a pty with `environment`, quits it (Ctrl-C) after the first frame, and
    /// returns the bytes it wrote.
    static func typescript(_ environment: [String: String]) async throws -> Data {
        let directory = try MultiProcessTests.temporaryDirectory("sync-output")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("typescript")
        let env = (["TERM": "xterm-256color", "HOME": directory.path, "LANG": "C.UTF-8"].merging(environment) { _, new in new })
            .map { "\($0.key)=\(TmuxSession.quote($0.value))" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", "env -i PATH=/usr/bin:/bin \(env) \(TmuxSession.quote(CLI.binary.path)) demo", file.path]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        _ = try await Poll.holds(within: 30) {
            FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self).contains("Contacts") } ?? false
        }
        // Ctrl-C quits from anywhere (the search box has the focus at start: q would be typed).
        try input.fileHandleForWriting.write(contentsOf: Data("\u{03}".utf8))
        // A TUI that did not quit must not hang the suite: the test then fails on what it wrote.
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) { if process.isRunning { process.terminate() } }
        await OffPool.run { process.waitUntilExit() }
        return FileManager.default.contents(atPath: file.path) ?? Data()
    }

    static func count(_ needle: String, in data: Data) -> Int {
        let bytes = Array(data)
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return 0 }
        return (0...(bytes.count - pattern.count)).filter { Array(bytes[$0..<$0 + pattern.count]) == pattern }.count
    }

    @Test func framesAreWrappedWhenTheTerminalSupportsIt() async throws {
        // WezTerm implements the mode; Debian's terminfo for it does not say so.
        let data = try await Self.typescript(["TERM_PROGRAM": "WezTerm"])
        let begins = Self.count("\u{1B}[?2026h", in: data)
        #expect(begins > 0, "\(String(decoding: data.prefix(300), as: UTF8.self))")
        #expect(begins == Self.count("\u{1B}[?2026l", in: data), "every frame closed")
        // The first frame's text lies between its marks.
        let text = String(decoding: data, as: UTF8.self)
        let begin = try #require(text.range(of: "\u{1B}[?2026h"))
        let end = try #require(text.range(of: "\u{1B}[?2026l", range: begin.upperBound..<text.endIndex))
        #expect(text[begin.upperBound..<end.lowerBound].contains("Search email"))
    }

    @Test func nothingIsAddedWhenTurnedOffOrUnknown() async throws {
        let off = try await Self.typescript(["TERM_PROGRAM": "WezTerm", "MINIMO_SYNC_OUTPUT": "0"])
        #expect(String(decoding: off, as: UTF8.self).contains("Search email"))
        #expect(Self.count("\u{1B}[?2026h", in: off) == 0)
        let plain = try await Self.typescript([:])
        #expect(String(decoding: plain, as: UTF8.self).contains("Search email"))
        #expect(Self.count("\u{1B}[?2026", in: plain) == 0)
    }
}
