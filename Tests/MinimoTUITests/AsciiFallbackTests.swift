import Testing

@testable import MinimoTUI

@Suite struct AsciiFallbackTests {
    @Test func asciiPassesThrough() {
        #expect(AsciiFallback.text("a", width: 1) == "a")
        #expect(AsciiFallback.text("", width: 0) == "")
    }

    @Test func drawingSymbolsGetLookAlikes() {
        #expect(AsciiFallback.text("─", width: 1) == "-")
        #expect(AsciiFallback.text("┌", width: 1) == "+")
        #expect(AsciiFallback.text("·", width: 1) == "-")
        #expect(AsciiFallback.text("…", width: 1) == "~")
    }

    @Test func otherCharactersKeepTheirColumnsAsQuestionMarks() {
        #expect(AsciiFallback.text("é", width: 1) == "?")
        #expect(AsciiFallback.text("山", width: 2) == "??")
        #expect(AsciiFallback.text("👩‍💻", width: 2) == "??")
    }
}
