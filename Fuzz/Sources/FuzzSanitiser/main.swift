import FuzzKit
import Foundation

// Any text: the sanitised form holds no C0/C1 control, DEL or bidi control, sanitising it again
// changes nothing, and the width helpers keep to the width they are given.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSanitiser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let safe = TerminalText.sanitize(text)
    for scalar in safe.unicodeScalars {
        let value = scalar.value
        precondition(!(value < 0x20 || (0x7F...0x9F).contains(value)), "control U+\(String(value, radix: 16)) survived")
        precondition(!(0x202A...0x202E).contains(value) && !(0x2066...0x2069).contains(value), "bidi control survived")
    }
    precondition(TerminalText.sanitize(safe) == safe, "sanitising twice changed the text")
    let columns = count % 50
    precondition(TerminalText.displayWidth(TerminalText.truncate(safe, columns: columns)) <= columns)
    precondition(TerminalText.displayWidth(TerminalText.prefix(safe, columns: columns)) <= columns)
    if columns > 0 {
        for line in TerminalText.wrap(safe, columns: columns) {
            precondition(TerminalText.displayWidth(line) <= columns, "a wrapped line is too wide")
        }
    }
    return 0
}
