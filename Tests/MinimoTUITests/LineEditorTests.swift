import Testing

@testable import MinimoTUI

@Suite struct LineEditorTests {
    /// Types text the way curses delivers it: one Unicode scalar per key.
    private func typed(_ text: String, into editor: inout LineEditor) {
        for scalar in text.unicodeScalars { editor.handle(.character(Character(scalar))) }
    }

    @Test func typingInsertsAtTheCursor() {
        var editor = LineEditor(text: "helo", cursor: 3)
        editor.insert("l")
        #expect(editor.text == "hello")
        #expect(editor.cursor == 4)
        editor.handle(.end)
        typed("!", into: &editor)
        #expect(editor.text == "hello!")
        #expect(editor.cursor == 6)
    }

    @Test func theCursorStartsAtTheEndAndIsClamped() {
        #expect(LineEditor(text: "abc").cursor == 3)
        #expect(LineEditor(text: "abc", cursor: 99).cursor == 3)
        #expect(LineEditor(text: "abc", cursor: -1).cursor == 0)
    }

    @Test func aCombiningMarkTypedAfterALetterJoinsIt() {
        var editor = LineEditor()
        typed("Jose\u{301}", into: &editor)
        #expect(editor.text == "Jose\u{301}")
        #expect(editor.text.count == 4)
        #expect(editor.cursor == 4)
        editor.handle(.backspace)
        #expect(editor.text == "Jos")  // the accented e goes as one character
    }

    @Test func emojiSequencesTypedScalarByScalarAreOneCharacter() {
        var editor = LineEditor()
        typed("a👩‍💻b", into: &editor)
        #expect(editor.text == "a👩‍💻b")
        #expect(editor.cursor == 3)
        editor.handle(.left)
        editor.handle(.backspace)
        #expect(editor.text == "ab")
        #expect(editor.cursor == 1)
        var flags = LineEditor()
        typed("🇯🇵🇫🇷", into: &flags)
        #expect(flags.text.count == 2)
        flags.handle(.backspace)
        #expect(flags.text == "🇯🇵")
    }

    @Test func arrowsHomeAndEndMoveByCharacter() {
        var editor = LineEditor(text: "日本e\u{301}x", cursor: 0)
        editor.handle(.right)
        editor.handle(.right)
        editor.handle(.right)
        #expect(editor.cursor == 3)
        editor.handle(.left)
        #expect(editor.cursor == 2)
        editor.handle(.control("e"))
        #expect(editor.cursor == 4)
        editor.handle(.right)
        #expect(editor.cursor == 4)
        editor.handle(.control("a"))
        #expect(editor.cursor == 0)
        editor.handle(.left)
        #expect(editor.cursor == 0)
        editor.handle(.end)
        editor.handle(.home)
        #expect(editor.cursor == 0)
    }

    @Test func backspaceAndDeleteRemoveOneCharacterEachSide() {
        var editor = LineEditor(text: "a山c", cursor: 2)
        editor.handle(.backspace)
        #expect(editor.text == "ac")
        #expect(editor.cursor == 1)
        editor.handle(.delete)
        #expect(editor.text == "a")
        editor.handle(.delete)  // at the end: nothing
        #expect(editor.text == "a")
        editor.handle(.home)
        editor.handle(.backspace)  // at the start: nothing
        #expect(editor.text == "a")
        #expect(editor.cursor == 0)
    }

    @Test func killKeysCutToTheEndsOfTheLine() {
        var editor = LineEditor(text: "Müller 日本", cursor: 3)
        editor.handle(.control("k"))
        #expect(editor.text == "Mül")
        #expect(editor.cursor == 3)
        var other = LineEditor(text: "Müller 日本", cursor: 7)
        other.handle(.control("u"))
        #expect(other.text == "日本")
        #expect(other.cursor == 0)
    }

    @Test func ctrlWDeletesTheWordBeforeTheCursor() {
        var editor = LineEditor(text: "call  jane@example.com  ")
        editor.handle(.control("w"))
        #expect(editor.text == "call  ")
        editor.handle(.control("w"))
        #expect(editor.text == "")
        editor.handle(.control("w"))
        #expect(editor.text == "")
        var middle = LineEditor(text: "one two three", cursor: 7)
        middle.handle(.control("w"))
        #expect(middle.text == "one  three")
        #expect(middle.cursor == 4)
    }

    @Test func keysTheEditorDoesNotUseAreLeftToTheCaller() {
        var editor = LineEditor(text: "x")
        for key in [KeyEvent.enter, .escape, .tab, .up, .down, .resize, .control("s")] {
            #expect(editor.handle(key) == false)
        }
        #expect(editor.text == "x")
    }

    @Test func shortTextIsShownWholeWithTheCursorColumn() {
        let editor = LineEditor(text: "héllo", cursor: 2)
        #expect(editor.visible(width: 10) == ("héllo", 2))
        #expect(LineEditor().visible(width: 5) == ("", 0))
        #expect(LineEditor(text: "abc").visible(width: 0) == ("", 0))
    }

    @Test func longTextScrollsByHalfAFieldToKeepTheCursorVisible() {
        let text = "abcdefghijklmnop"
        #expect(LineEditor(text: text, cursor: 9).visible(width: 10) == ("abcdefghij", 9))
        #expect(LineEditor(text: text, cursor: 10).visible(width: 10) == ("fghijklmno", 5))
        #expect(LineEditor(text: text, cursor: 14).visible(width: 10) == ("fghijklmno", 9))
        #expect(LineEditor(text: text).visible(width: 10) == ("klmnop", 6))
    }

    @Test func wideCharactersCountTwoColumnsWhenScrolling() {
        let text = "日本語テキスト"
        #expect(LineEditor(text: text, cursor: 0).visible(width: 6) == ("日本語", 0))
        #expect(LineEditor(text: text, cursor: 0).visible(width: 5) == ("日本 ", 0))
        #expect(LineEditor(text: text, cursor: 3).visible(width: 6) == ("語テキ", 2))
        let end = LineEditor(text: text).visible(width: 6)
        #expect(end.text == "スト")  // scrolled by three columns at a time, to a boundary
        #expect(end.cursorColumn == 4)
        // A field too narrow for the wide character under the cursor still shows the cursor.
        #expect(LineEditor(text: "日本", cursor: 1).visible(width: 1) == (" ", 0))
    }

    @Test func emojiAndCombiningTextKeepColumnsAligned() {
        let editor = LineEditor(text: "👩‍💻 Zoë", cursor: 2)
        #expect(editor.visible(width: 20) == ("👩‍💻 Zoë", 3))
        let combining = LineEditor(text: "e\u{301}e\u{301}e\u{301}", cursor: 3)
        #expect(combining.visible(width: 10).cursorColumn == 3)
    }

    @Test func controlCharactersInAValueAreShownEscaped() {
        let editor = LineEditor(text: "a\u{1B}[31mb")
        let shown = editor.visible(width: 40)
        #expect(shown.text == "a\\x1B[31mb")
        #expect(shown.cursorColumn == 10)
        // An escape cut by the right edge is cut, not dropped whole.
        #expect(LineEditor(text: "ab\u{1B}", cursor: 0).visible(width: 4) == ("ab\\x", 0))
    }
}
