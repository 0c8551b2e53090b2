import Testing

@testable import MinimoTUI

@Suite struct BoxTests {
    @Test func aBoxDrawsItsBorderAndTitleAndReturnsItsInside() {
        var canvas = GridCanvas(columns: 20, rows: 4)
        let inside = Box(title: "Contact", trailingTitle: "200 OK").draw(in: Rect(column: 0, row: 0, width: 20, height: 4), on: &canvas)
        #expect(inside == Rect(column: 1, row: 1, width: 18, height: 2))
        #expect(canvas.lines() == [
            "┌ Contact ─ 200 OK ┐",
            "│                  │",
            "│                  │",
            "└──────────────────┘",
        ])
        #expect(canvas.style(row: 0, column: 2) == CellStyle(.border, bold: true))
        #expect(canvas.style(row: 1, column: 0) == .border)
    }

    @Test func asciiBoxesForLocalesWithoutUTF8() {
        var canvas = GridCanvas(columns: 12, rows: 3)
        Box(title: "Fields", style: .accent, lines: .choose(unicode: false))
            .draw(in: Rect(column: 1, row: 0, width: 10, height: 3), on: &canvas)
        #expect(canvas.lines() == [" + Fields +", " |        |", " +--------+"])
        #expect(canvas.style(row: 1, column: 1) == .accent)
    }

    @Test func longAndHostileTitlesAreSanitisedAndCut() {
        var canvas = GridCanvas(columns: 16, rows: 3)
        Box(title: "evil\u{1B}]0;x\u{7}@example.com").draw(in: canvas.bounds, on: &canvas)
        #expect(canvas.lines()[0] == "┌ evil\\x1B]0;… ┐")
        var wide = GridCanvas(columns: 12, rows: 3)
        Box(title: "山田太郎さん").draw(in: wide.bounds, on: &wide)
        #expect(wide.lines()[0] == "┌ 山田太… ─┐")
    }

    @Test func theTrailingTitleGivesWayToTheTitle() {
        var canvas = GridCanvas(columns: 16, rows: 3)
        Box(title: "Raw exchange", trailingTitle: "200 · 35ms").draw(in: canvas.bounds, on: &canvas)
        #expect(canvas.lines()[0] == "┌ Raw exchange ┐")
    }

    @Test func tinyRectanglesAreOnlyBlanked() {
        var canvas = GridCanvas(columns: 3, rows: 3)
        canvas.fill(canvas.bounds, with: "x", style: .normal)
        let inside = Box(title: "T").draw(in: Rect(column: 0, row: 0, width: 1, height: 3), on: &canvas)
        #expect(inside.isEmpty)
        #expect(canvas.lines() == [" xx", " xx", " xx"])
        var two = GridCanvas(columns: 2, rows: 2)
        Box(title: "T").draw(in: two.bounds, on: &two)
        #expect(two.lines() == ["┌┐", "└┘"])
    }
}
