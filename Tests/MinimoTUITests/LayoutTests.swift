import Testing

@testable import MinimoTUI

@Suite struct LayoutTests {
    func rect(_ column: Int, _ row: Int, _ width: Int, _ height: Int) -> Rect {
        Rect(column: column, row: row, width: width, height: height)
    }

    /// Panes must tile the area above the status bar exactly: no gaps, no overlaps.
    func expectTiles(_ layout: Layout) {
        let panes = [layout.search, layout.results, layout.detail, layout.fields, layout.consent]
        #expect(panes.reduce(0) { $0 + $1.width * $1.height } == layout.main.width * layout.main.height)
        for (index, pane) in panes.enumerated() {
            #expect(pane.height >= 3, "pane \(index) too short for a border and a line: \(pane)")
            for other in panes[(index + 1)...] { #expect(pane.intersection(other).isEmpty) }
        }
        #expect(layout.status == rect(0, layout.size.rows - 1, layout.size.columns, 1))
    }

    @Test func largeTerminalsGiveTheRightSideMostRoom() {
        let layout = Layout(size: TerminalSize(columns: 120, rows: 40))
        #expect(layout.isUsable)
        #expect(layout.search == rect(0, 0, 42, 3))
        #expect(layout.results == rect(0, 3, 42, 36))
        #expect(layout.right == rect(42, 0, 78, 39))
        #expect(layout.detail == rect(42, 0, 78, 9))
        #expect(layout.fields == rect(42, 9, 78, 26))
        #expect(layout.consent == rect(42, 35, 78, 4))
        expectTiles(layout)
    }

    @Test func theDesignSizeHasAllPanes() {
        let layout = Layout(size: TerminalSize(columns: 100, rows: 30))
        #expect(layout.search == rect(0, 0, 35, 3))
        #expect(layout.results == rect(0, 3, 35, 26))
        #expect(layout.detail == rect(35, 0, 65, 8))
        #expect(layout.fields == rect(35, 8, 65, 17))
        #expect(layout.consent == rect(35, 25, 65, 4))
        expectTiles(layout)
    }

    @Test func eightyByTwentyFourStaysUsable() {
        let layout = Layout(size: TerminalSize(columns: 80, rows: 24))
        #expect(layout.isUsable)
        #expect(layout.search == rect(0, 0, 28, 3))
        #expect(layout.results == rect(0, 3, 28, 20))
        #expect(layout.detail == rect(28, 0, 52, 6))
        #expect(layout.fields == rect(28, 6, 52, 13))
        #expect(layout.consent == rect(28, 19, 52, 4))
        #expect(layout.main == rect(0, 0, 80, 23))
        expectTiles(layout)
    }

    @Test func theSmallestUsableSizeStillTiles() {
        let layout = Layout(size: Layout.minimumSize)
        #expect(layout.isUsable)
        #expect(layout.results.width == 24)
        expectTiles(layout)
    }

    @Test func belowSixtyBySixteenTheTerminalIsTooSmall() {
        for size in [TerminalSize(columns: 59, rows: 20), TerminalSize(columns: 100, rows: 15), TerminalSize(columns: 0, rows: 0)] {
            let layout = Layout(size: size)
            #expect(!layout.isUsable)
            #expect(layout.results.isEmpty && layout.fields.isEmpty && layout.right.isEmpty)
        }
        let layout = Layout(size: TerminalSize(columns: 59, rows: 20))
        #expect(layout.tooSmallMessage == "Terminal too small: 59×20, need at least 60×16")
        #expect(layout.status == rect(0, 19, 59, 1))
    }
}
