/// A key press as the app understands it, decoded from what curses' `wget_wch` returns.
///
/// The decoding is a pure function of (status, code) so it is tested without a terminal; the
/// real terminal only calls `wget_wch` and hands both numbers here.
public enum KeyEvent: Sendable, Hashable {
    /// A printable character (any script, already decoded from UTF-8 by curses).
    case character(Character)
    /// Ctrl plus a letter, the letter lowercased (`.control("l")` is Ctrl-L). Ctrl-H, Ctrl-I,
    /// Ctrl-J and Ctrl-M arrive as `.backspace`, `.tab` and `.enter`: terminals send the same bytes.
    case control(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete, insert
    /// F1…F12.
    case function(Int)
    /// The terminal changed size.
    case resize
    /// Something curses reported that the app has no use for, kept for logging.
    case unknown(Int32)

    /// Curses' key codes, copied so decoding does not need the C module. The values are fixed by
    /// X/Open and ncurses; a test checks them against the header.
    enum CursesKey {
        static let codeYes: Int32 = 0o400
        static let down: Int32 = 0o402
        static let up: Int32 = 0o403
        static let left: Int32 = 0o404
        static let right: Int32 = 0o405
        static let home: Int32 = 0o406
        static let backspace: Int32 = 0o407
        static let f0: Int32 = 0o410
        static let deleteCharacter: Int32 = 0o512
        static let insertCharacter: Int32 = 0o513
        static let pageDown: Int32 = 0o522
        static let pageUp: Int32 = 0o523
        static let enter: Int32 = 0o527
        static let backTab: Int32 = 0o541
        static let end: Int32 = 0o550
        /// Some terminals (PuTTY, rxvt under screen) send Find/Select for Home/End.
        static let find: Int32 = 0o552
        static let select: Int32 = 0o601
        static let resize: Int32 = 0o632
    }

    /// `wget_wch` return values.
    public static let statusOK: Int32 = 0
    public static let statusKeyCode: Int32 = 0o400
    public static let statusError: Int32 = -1

    /// Decodes one `wget_wch` result: `status` is its return value (`OK`, `KEY_CODE_YES` or
    /// `ERR`), `code` what it stored. Returns nil for `ERR` (a timeout: no key).
    public static func decode(status: Int32, code: UInt32) -> KeyEvent? {
        switch status {
        case statusKeyCode: return decodeKeyCode(Int32(bitPattern: code))
        case statusOK: return decodeCharacter(code)
        default: return nil
        }
    }

    static func decodeKeyCode(_ code: Int32) -> KeyEvent {
        switch code {
        case CursesKey.up: return .up
        case CursesKey.down: return .down
        case CursesKey.left: return .left
        case CursesKey.right: return .right
        case CursesKey.home, CursesKey.find: return .home
        case CursesKey.end, CursesKey.select: return .end
        case CursesKey.pageUp: return .pageUp
        case CursesKey.pageDown: return .pageDown
        case CursesKey.backspace: return .backspace
        case CursesKey.deleteCharacter: return .delete
        case CursesKey.insertCharacter: return .insert
        case CursesKey.enter: return .enter
        case CursesKey.backTab: return .backTab
        case CursesKey.resize: return .resize
        case (CursesKey.f0 + 1)...(CursesKey.f0 + 12): return .function(Int(code - CursesKey.f0))
        default: return .unknown(code)
        }
    }

    static func decodeCharacter(_ code: UInt32) -> KeyEvent {
        switch code {
        case 8, 127: return .backspace  // Ctrl-H and DEL: what Backspace sends, by terminal
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(code) + 0x60)))
        case 0, 28...31, 0x80...0x9F: return .unknown(Int32(bitPattern: code))
        default:
            guard let scalar = Unicode.Scalar(code) else { return .unknown(Int32(bitPattern: code)) }
            return .character(Character(scalar))
        }
    }
}
