import CNcurses
import Testing

/// The TUI needs the wide-character ncurses; these prove the system library and the C shim link
/// and that the build is the wide one (a narrow libncurses would garble UTF-8).
@Suite struct CNcursesLinkTests {
    @Test func linksTheWideCharacterLibrary() {
        let version = String(cString: minimo_curses_version())
        #expect(version.hasPrefix("ncurses "), "unexpected curses version string: \(version)")
        #expect(minimo_has_wide_chars() == 1)
    }

    @Test func keyCodesImportFromTheHeader() {
        // Constants the event loop relies on come straight from <ncursesw/curses.h>.
        #expect(KEY_RESIZE > KEY_CODE_YES)
        #expect(KEY_UP != KEY_DOWN)
    }

    @Test func attributeShimsAreDistinctBits() {
        let attributes = [minimo_attr_bold(), minimo_attr_reverse(), minimo_attr_underline(), minimo_attr_dim()]
        #expect(Set(attributes).count == 4)
        #expect(attributes.allSatisfy { $0 != 0 })
    }
}
