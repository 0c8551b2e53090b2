import Testing

@testable import MinimoTUI

/// The real terminal is not testable here; these cover the pure parts it relies on.
@Suite struct TerminalScreenTests {
    @Test func cellsReachCursesAsOneSpacingCharacterPlusMarks() {
        #expect(TerminalScreen.cursesText("a") == [0x61, 0])
        #expect(TerminalScreen.cursesText("e\u{301}") == [0x65, 0x301, 0])
        // A joined emoji keeps its first emoji only, so no joiner glues onto the next cell.
        #expect(TerminalScreen.cursesText("👩‍💻") == [0x1F469, 0])
    }

    /// Outside UTF-8 the screen writes each cell through `AsciiFallback`, as `present` does:
    /// the too-small message must still read, with `50x12`, not `50?12`.
    @Test func theTooSmallMessageReadsAsASCIIInAnAsciiLocale() {
        var state = AppState(size: TerminalSize(columns: 50, rows: 12), profile: nil, host: nil, isDemo: true, unicodeLines: false)
        state.unicodeLines = false
        var canvas = GridCanvas(size: state.size)
        AppView.render(state, on: &canvas)
        let screen = (0..<canvas.size.rows).map { row in
            (0..<canvas.size.columns).map { column in
                let cell = canvas.cell(row: row, column: column)
                return AsciiFallback.text(cell.text, width: cell.width)
            }.joined()
        }.joined(separator: "\n")
        #expect(screen.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(screen.contains("50x12"), "\(screen)")
        #expect(screen.contains("60x16"))
        #expect(!screen.contains("?"))
    }
}
