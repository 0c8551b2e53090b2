import CNcurses
import Testing

@testable import MinimoTUI

@Suite struct KeyEventTests {
    private func key(_ code: Int32) -> KeyEvent? { KeyEvent.decode(status: KEY_CODE_YES, code: UInt32(code)) }
    private func char(_ code: UInt32) -> KeyEvent? { KeyEvent.decode(status: OK, code: code) }

    @Test func statusValuesMatchCurses() {
        #expect(KeyEvent.statusOK == OK)
        #expect(KeyEvent.statusKeyCode == KEY_CODE_YES)
        #expect(KeyEvent.statusError == ERR)
        #expect(KeyEvent.decode(status: ERR, code: 0) == nil)  // a timeout is no key
    }

    @Test func specialKeysDecodeFromTheCursesHeader() {
        #expect(key(KEY_UP) == .up)
        #expect(key(KEY_DOWN) == .down)
        #expect(key(KEY_LEFT) == .left)
        #expect(key(KEY_RIGHT) == .right)
        #expect(key(KEY_PPAGE) == .pageUp)
        #expect(key(KEY_NPAGE) == .pageDown)
        #expect(key(KEY_HOME) == .home)
        #expect(key(KEY_END) == .end)
        #expect(key(KEY_FIND) == .home)
        #expect(key(KEY_SELECT) == .end)
        #expect(key(KEY_BTAB) == .backTab)
        #expect(key(KEY_ENTER) == .enter)
        #expect(key(KEY_BACKSPACE) == .backspace)
        #expect(key(KEY_DC) == .delete)
        #expect(key(KEY_IC) == .insert)
        #expect(key(KEY_RESIZE) == .resize)
        #expect(key(KEY_F0 + 1) == .function(1))
        #expect(key(KEY_F0 + 12) == .function(12))
        #expect(key(KEY_MOUSE) == .unknown(KEY_MOUSE))
    }

    @Test func controlBytesBecomeNamedKeys() {
        #expect(char(9) == .tab)
        #expect(char(10) == .enter)
        #expect(char(13) == .enter)
        #expect(char(27) == .escape)
        #expect(char(127) == .backspace)
        #expect(char(8) == .backspace)
        #expect(char(1) == .control("a"))
        #expect(char(12) == .control("l"))
        #expect(char(19) == .control("s"))
        #expect(char(23) == .control("w"))
        #expect(char(26) == .control("z"))
        #expect(char(0) == .unknown(0))
        #expect(char(0x9B) == .unknown(0x9B))  // C1 CSI is never text
    }

    @Test func printableCharactersOfAnyScriptPassThrough() {
        #expect(char(UInt32(("a" as Unicode.Scalar).value)) == .character("a"))
        #expect(char(UInt32(("/" as Unicode.Scalar).value)) == .character("/"))
        #expect(char(0xFC) == .character("ü"))
        #expect(char(0x65E5) == .character("日"))
        #expect(char(0x1F600) == .character("😀"))
        #expect(char(0x301) == .character("\u{301}"))  // joins the previous character in the editor
        #expect(char(0xD800) == .unknown(0xD800))  // a lone surrogate is not a scalar
    }
}
