import FuzzKit
import Foundation

// Each input byte is a key (printable bytes and a few multi-byte characters are typed; the
// rest are editing keys): the cursor always stays within the text and the visible slice fits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLineEditor(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let typed: [Character] = ["é", "東", "🎉", "\u{301}", "a"]
    let keys: [KeyEvent] = [
        .left, .right, .home, .end, .backspace, .delete, .control("a"), .control("e"), .control("k"), .control("u"),
        .control("w"),
    ]
    var editor = LineEditor()
    for byte in bytes {
        switch byte {
        case 0x20...0x7E: _ = editor.handle(.character(Character(Unicode.Scalar(byte))))
        case 0x80...0x84: _ = editor.handle(.character(typed[Int(byte - 0x80)]))
        default: _ = editor.handle(keys[Int(byte) % keys.count])
        }
        precondition(editor.cursor >= 0 && editor.cursor <= editor.text.count, "cursor outside the text")
        let width = Int(byte % 40) + 1
        let visible = editor.visible(width: width)
        precondition(visible.cursorColumn >= 0 && visible.cursorColumn <= width)
        precondition(TerminalText.displayWidth(visible.text) <= width, "visible text wider than the field")
    }
    return 0
}
