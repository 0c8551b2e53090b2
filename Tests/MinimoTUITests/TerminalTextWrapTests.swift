import Testing

@testable import MinimoTUI

@Suite struct TerminalTextWrapTests {
    @Test func wrapsAtSpacesWithinTheWidth() {
        #expect(TerminalText.wrap("cannot connect to 127.0.0.1:8080 (connection refused)", columns: 20) == [
            "cannot connect to", "127.0.0.1:8080", "(connection refused)",
        ])
    }

    @Test func splitsAWordWiderThanALineAndCountsWideCharacters() {
        #expect(TerminalText.wrap("abcdefghij", columns: 4) == ["abcd", "efgh", "ij"])
        // Two columns each: three fit in a line of 6, never half of one.
        #expect(TerminalText.wrap("東京都庁舎 ok", columns: 6) == ["東京都", "庁舎", "ok"])
        for line in TerminalText.wrap("東京都庁舎東京都庁舎 a b c", columns: 5) {
            #expect(TerminalText.displayWidth(line) <= 5)
        }
    }

    @Test func emptyTextIsOneEmptyLine() {
        #expect(TerminalText.wrap("", columns: 10) == [""])
        #expect(TerminalText.wrap("x", columns: 0) == [])
    }
}

extension TerminalTextWrapTests {
    @Test func aHundredThousandCharacterMessageWrapsWhole() {
        let text = String(repeating: "x", count: 100_000) + " tail"
        let lines = TerminalText.wrap(text, columns: 40)
        #expect(lines.count == 2_501)
        #expect(lines.dropLast().allSatisfy { $0.count == 40 })
        #expect(lines.last == "tail")
        #expect(lines.joined().count == 100_004)
    }
}
