import Testing

@testable import MinimoTUI

@Suite struct TerminalTextTests {
    @Test func escapeSequencesAreShownNotInterpreted() {
        #expect(TerminalText.sanitize("\u{1B}[31mred\u{1B}[0m") == "\\x1B[31mred\\x1B[0m")
        #expect(TerminalText.sanitize("\u{1B}]0;pwned\u{07}") == "\\x1B]0;pwned\\x07")
        #expect(TerminalText.sanitize("\u{9B}2J") == "\\x9B2J")  // C1 CSI
        #expect(TerminalText.sanitize("a\u{7F}b\u{00}") == "a\\x7Fb\\x00")
    }

    @Test func carriageReturnCannotOverwriteALine() {
        #expect(TerminalText.sanitize("SAFE-TEXT\rEVIL") == "SAFE-TEXT\\rEVIL")
        #expect(TerminalText.sanitize("a\nb\tc\u{08}") == "a\\nb\\tc\\x08")
    }

    @Test func bidiAndZeroWidthControlsAreVisible() {
        #expect(TerminalText.sanitize("abc\u{202E}fed") == "abc<U+202E>fed")
        #expect(TerminalText.sanitize("x\u{2066}y\u{2069}") == "x<U+2066>y<U+2069>")
        #expect(TerminalText.sanitize("zero\u{200B}width") == "zero<U+200B>width")
    }

    @Test func ordinaryTextIsUntouched() {
        for text in ["Città di Castello", "山田太郎", "José Müller", "👩‍💻 dev", "e\u{301}"] {
            #expect(TerminalText.sanitize(text) == text)
        }
    }

    @Test func combiningFloodsAreCapped() {
        let flood = "a" + String(repeating: "\u{301}", count: 50)
        let clean = TerminalText.sanitize(flood)
        #expect(clean.hasSuffix("<+46 marks>"))
        #expect(clean.unicodeScalars.count < 20)
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(TerminalText.displayWidth("abc") == 3)
        #expect(TerminalText.displayWidth("山田") == 4)
        #expect(TerminalText.displayWidth("e\u{301}") == 1)
        #expect(TerminalText.displayWidth("😀") == 2)
        #expect(TerminalText.fit("山田太郎", columns: 5) == "山田…")
        #expect(TerminalText.displayWidth(TerminalText.fit("山田太郎", columns: 6)) == 6)
        #expect(TerminalText.fit("ab", columns: 4) == "ab  ")
    }
}
