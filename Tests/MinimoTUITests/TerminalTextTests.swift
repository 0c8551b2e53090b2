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

    /// Found by FuzzSanitiser (Fuzz/crashes/FuzzSanitiser/crash-bfedfb6a...): marks after an
    /// escaped base joined the marks of the character before them, so a second pass cut them.
    @Test func marksWhoseBaseIsEscapedStayOnTheirOwnCharacter() {
        let marks = String(repeating: "\u{0488}", count: 4)
        let text = "+" + marks + "\u{05C8}" + "\u{0488}\u{0488}\u{0488}"
        let once = TerminalText.sanitize(text)
        #expect(once == "+" + marks + "\u{25CC}\u{0488}\u{0488}\u{0488}<U+05C8>")
        #expect(TerminalText.sanitize(once) == once)
        let found: [UInt8] = [
            123, 136, 118, 249, 241, 82, 136, 26, 136, 210, 136, 210, 210, 136, 210, 136, 210, 136, 210, 136,
            210, 136, 112, 116, 210, 127, 210, 136, 255, 136, 216, 168, 136, 210, 43, 210, 136, 210, 136, 210,
            136, 210, 136, 210, 136, 210, 136, 210, 136, 210, 136, 112, 116, 118, 123, 136, 118, 210, 64, 136,
            210, 136, 210, 136, 210, 136, 210, 136, 25, 0, 0, 0, 0, 0, 0, 0, 168, 136, 210, 43,
            210, 136, 210, 136, 210, 136, 215, 136, 210, 136, 210, 136, 210, 136, 210, 136,
        ]
        let fuzzed = TerminalText.sanitize(String(decoding: found, as: UTF8.self))
        #expect(TerminalText.sanitize(fuzzed) == fuzzed)
        #expect(fuzzed.allSatisfy { $0.unicodeScalars.filter(TerminalText.isMark).count <= TerminalText.maxMarksPerCharacter })
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
