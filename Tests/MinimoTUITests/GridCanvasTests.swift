import Testing

@testable import MinimoTUI

@Suite struct GridCanvasTests {
    @Test func textLandsAtItsPositionAndTheScreenReadsAsLines() {
        var canvas = GridCanvas(columns: 10, rows: 3)
        canvas.put(text: "hello", row: 0, column: 0)
        canvas.put(text: "world", row: 2, column: 3)
        #expect(canvas.lines() == ["hello", "", "   world"])
        #expect(canvas.lines(trimmingTrailingSpaces: false) == ["hello     ", "          ", "   world  "])
    }

    @Test func textIsClippedAtTheRightEdgeAndReturnsTheNextColumn() {
        var canvas = GridCanvas(columns: 6, rows: 1)
        let end = canvas.put(text: "abcdefgh", row: 0, column: 2)
        #expect(canvas.lines() == ["  abcd"])
        #expect(end == 6)
        #expect(canvas.put(text: "x", row: 5, column: 0) == 0)  // off-canvas rows are ignored
    }

    @Test func wideCharactersTakeTwoColumns() {
        var canvas = GridCanvas(columns: 8, rows: 2)
        let end = canvas.put(text: "山田x", row: 0, column: 0)
        canvas.put(text: "😀|", row: 1, column: 1)
        #expect(end == 5)
        #expect(canvas.lines() == ["山田x", " 😀|"])
        #expect(canvas.cell(row: 0, column: 1).isContinuation)
        #expect(canvas.cell(row: 1, column: 4).text == " ")
    }

    @Test func aWideCharacterStraddlingTheEdgeBecomesASpace() {
        var canvas = GridCanvas(columns: 5, rows: 1)
        canvas.fill(canvas.bounds, with: "-", style: .normal)
        let end = canvas.put(text: "ab山", row: 0, column: 2, style: .accent)
        #expect(canvas.lines(trimmingTrailingSpaces: false) == ["--ab "])
        #expect(end == 5)
        #expect(canvas.style(row: 0, column: 4) == .accent)
    }

    @Test func theLimitClipsLikeAnEdge() {
        var canvas = GridCanvas(columns: 10, rows: 1)
        canvas.put(text: "日本語", row: 0, column: 0, style: .normal, limit: 5)
        canvas.put(text: "|", row: 0, column: 5)
        #expect(canvas.lines() == ["日本 |"])
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var canvas = GridCanvas(columns: 6, rows: 2)
        canvas.put(text: "日本語", row: 0, column: 0)
        canvas.put(text: "x", row: 0, column: 1)  // right half of 日
        canvas.put(text: "日本語", row: 1, column: 0)
        canvas.put(text: "y", row: 1, column: 2)  // left half of 本
        #expect(canvas.lines() == [" x本語", "日y 語"])
    }

    @Test func combiningMarksStayWithTheirCharacter() {
        var canvas = GridCanvas(columns: 6, rows: 1)
        canvas.put(text: "e\u{301}a\u{308}!", row: 0, column: 0)
        #expect(canvas.lines() == ["e\u{301}a\u{308}!"])
        #expect(canvas.cell(row: 0, column: 0).text == "e\u{301}")
        #expect(canvas.cell(row: 0, column: 2).text == "!")
    }

    @Test func emojiSequencesAreOneTwoColumnCell() {
        var canvas = GridCanvas(columns: 6, rows: 1)
        canvas.put(text: "👩‍💻ok", row: 0, column: 0)
        #expect(canvas.lines() == ["👩‍💻ok"])
        #expect(canvas.cell(row: 0, column: 2).text == "o")
    }

    @Test func negativeColumnsClipOnTheLeft() {
        var canvas = GridCanvas(columns: 5, rows: 1)
        canvas.put(text: "abc山d", row: 0, column: -2)
        #expect(canvas.lines() == ["c山d"])
        canvas.clear()
        canvas.put(text: "a山d", row: 0, column: -2)
        #expect(canvas.lines(trimmingTrailingSpaces: false) == [" d   "])
    }

    @Test func fillAndClearPaintRectangles() {
        var canvas = GridCanvas(columns: 5, rows: 3)
        canvas.fill(Rect(column: 1, row: 1, width: 10, height: 5), with: "#", style: .selection)
        #expect(canvas.lines() == ["", " ####", " ####"])
        #expect(canvas.style(row: 2, column: 4) == .selection)
        #expect(canvas.styleLine(1, legend: [.selection: "S"]) == ".SSSS")
        canvas.clear()
        #expect(canvas.lines() == ["", "", ""])
        #expect(canvas.style(row: 2, column: 4) == .normal)
    }

    @Test func theDiffWritesOnlyChangedCellsGroupedByStyle() {
        var before = GridCanvas(columns: 10, rows: 3)
        before.put(text: "alpha", row: 0, column: 0, style: .selection)
        before.put(text: "beta", row: 1, column: 0)
        var after = before
        after.put(text: "alpha", row: 0, column: 0, style: .normal)
        after.put(text: "beta", row: 1, column: 0, style: .selection)
        #expect(after.changedRuns(since: after).isEmpty)
        let runs = after.changedRuns(since: before)
        #expect(runs.map(\.row) == [0, 1])
        #expect(runs.map(\.text) == ["alpha", "beta"])
        #expect(runs.map(\.style) == [.normal, .selection])
        var one = after
        one.put(text: "Z", row: 2, column: 7, style: .danger)
        #expect(one.changedRuns(since: after) == [CellRun(row: 2, column: 7, cells: [Cell(text: "Z", width: 1, style: .danger)])])
    }

    @Test func aChangedWideHalfRewritesTheWholeCharacter() {
        var before = GridCanvas(columns: 6, rows: 1)
        before.put(text: "日本", row: 0, column: 0)
        var after = before
        after.put(text: "x", row: 0, column: 1)
        #expect(after.changedRuns(since: before).map(\.text) == [" x"])
        #expect(after.changedRuns(since: before).first?.column == 0)
    }

    @Test func aNewSizeOrNoPreviousFrameRedrawsEverything() {
        var canvas = GridCanvas(columns: 3, rows: 2)
        canvas.put(text: "ab", row: 0, column: 0, style: .accent)
        #expect(canvas.changedRuns(since: nil).map(\.text) == ["ab", " ", "   "])
        #expect(canvas.changedRuns(since: GridCanvas(columns: 4, rows: 2)).count == 3)
    }
}
