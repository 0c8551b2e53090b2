import CNcurses
import Testing

@testable import MinimoTUI

@Suite struct ColorPaletteTests {
    @Test func colourNumbersMatchCurses() {
        #expect(ColorPalette.Colour.black == Int16(COLOR_BLACK))
        #expect(ColorPalette.Colour.red == Int16(COLOR_RED))
        #expect(ColorPalette.Colour.yellow == Int16(COLOR_YELLOW))
        #expect(ColorPalette.Colour.cyan == Int16(COLOR_CYAN))
        #expect(ColorPalette.Colour.white == Int16(COLOR_WHITE))
    }

    @Test func noColorAndColourlessTerminalsGetMonochrome() {
        #expect(ColorPalette.wantsColour(hasColours: true, environment: [:]))
        #expect(!ColorPalette.wantsColour(hasColours: false, environment: [:]))
        #expect(!ColorPalette.wantsColour(hasColours: true, environment: ["NO_COLOR": "1"]))
        #expect(ColorPalette.wantsColour(hasColours: true, environment: ["NO_COLOR": ""]))  // per no-color.org
    }

    @Test func everyRoleButNormalAndDimHasItsOwnPair() {
        let palette = ColorPalette(usesColour: true)
        let pairs = palette.pairs
        #expect(pairs.map(\.pair) == Array(1...Int16(pairs.count)))
        let used = ColorRole.allCases.map { palette.attributes(for: CellStyle($0)).pair }
        #expect(Set(used.filter { $0 != 0 }).count == ColorRole.allCases.count - 2)
        #expect(palette.attributes(for: .normal) == TerminalAttributes())
        #expect(palette.attributes(for: .dim) == TerminalAttributes(dim: true))
        // The terminal's own background is kept where it can be.
        #expect(pairs.first { $0.pair == palette.attributes(for: .warning).pair }?.background == -1)
        #expect(ColorPalette(usesColour: true, defaultBackground: false).pairs.allSatisfy { $0.background >= 0 })
    }

    @Test func monochromeExpressesRolesWithAttributes() {
        let palette = ColorPalette(usesColour: false)
        #expect(palette.pairs.isEmpty)
        #expect(palette.attributes(for: .selection) == TerminalAttributes(reverse: true))
        #expect(palette.attributes(for: .warning) == TerminalAttributes(bold: true))
        #expect(palette.attributes(for: .danger) == TerminalAttributes(bold: true, reverse: true))
        #expect(palette.attributes(for: CellStyle(.normal, underline: true)) == TerminalAttributes(underline: true))
        #expect(ColorRole.allCases.allSatisfy { palette.attributes(for: CellStyle($0)).pair == 0 })
    }
}
