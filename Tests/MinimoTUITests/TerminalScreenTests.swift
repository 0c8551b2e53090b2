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

    @Test func theSizeReadsAsASCIIInAnAsciiLocale() {
        #expect(AsciiFallback.text("×", width: 1) == "x")
    }
}
