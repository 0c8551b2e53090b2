import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

@Suite struct StatusBarTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func quota(_ remaining: Int, of limit: Int = 100, resetIn seconds: Double? = 34, waiting: Double? = nil) -> QuotaStatus {
        QuotaStatus(
            snapshot: QuotaSnapshot(
                limit: limit, remaining: remaining, resetAt: seconds.map { now.addingTimeInterval($0) }, observedAt: now),
            waitingUntil: waiting.map { now.addingTimeInterval($0) }, queued: waiting == nil ? 0 : 1)
    }

    func rendered(_ bar: StatusBar, columns: Int, at time: Date? = nil) -> GridCanvas {
        var canvas = GridCanvas(columns: columns, rows: 1)
        bar.render(on: &canvas, row: 0, now: time ?? now)
        return canvas
    }

    var typical: StatusBar {
        StatusBar(profile: "acme", host: "api.minimo.io", quota: quota(87), unsavedEdits: 2, unsentEdits: 1)
    }

    var quiet: StatusBar { StatusBar(profile: "acme", host: "api.minimo.io", quota: quota(87)) }

    @Test func wideTerminalsShowEverythingWithFullHints() {
        #expect(rendered(quiet, columns: 120).lines() == [
            " acme · api.minimo.io │ online │ quota 87/100 · reset 34s"
                + "            ? help  / search  e edit  s save  Tab pane  q quit"
        ])
        // Edits take room: the hints shorten and the least important go first.
        #expect(rendered(typical, columns: 120).lines() == [
            " acme · api.minimo.io │ online │ quota 87/100 · reset 34s │ 2 unsaved · 1 unsent"
                + "         ? help  / find  e edit  s save"
        ])
    }

    @Test func eightyColumnsDropTheHostAndShortenHints() {
        #expect(rendered(quiet, columns: 80).lines() == [
            " acme │ online │ quota 87/100 · reset 34s        ? help  / find  e edit  s save"
        ])
        #expect(rendered(typical, columns: 80).lines() == [
            " acme│online│quota 87/100 34s│2 unsaved · 1 unsent       ? help  / find  e edit"
        ])
    }

    @Test func sixtyColumnsKeepTheQuotaAndHelp() {
        #expect(rendered(quiet, columns: 60).lines() == [
            " acme│online│quota 87/100 34s        ? help  / find  e edit"
        ])
        #expect(rendered(typical, columns: 60).lines() == [
            " acme│online│quota 87/100 34s│2 unsaved · 1 unsent   ? help"
        ])
    }

    @Test func everyWidthLeavesTheLastColumnBlankAndNeverOverflows() {
        var bar = typical
        bar.lastError = String(repeating: "long error ", count: 20)
        for columns in [40, 60, 61, 79, 80, 100, 120, 200] {
            let line = rendered(bar, columns: columns).lines(trimmingTrailingSpaces: false)[0]
            #expect(TerminalText.displayWidth(line) == columns)
            #expect(line.hasSuffix(" "))
            #expect(line.contains("quota"))
        }
    }

    @Test func theQuotaCountsDownAsTimeMoves() {
        let bar = quiet
        #expect(rendered(bar, columns: 120, at: now.addingTimeInterval(4)).lines()[0].contains("quota 87/100 · reset 30s"))
        #expect(rendered(bar, columns: 120, at: now.addingTimeInterval(33.5)).lines()[0].contains("reset 1s"))
        // Past the reset the figure is stale until the next answer: it says so instead of lying.
        let after = rendered(bar, columns: 120, at: now.addingTimeInterval(40)).lines()[0]
        #expect(after.contains("quota ?/100 · reset due"))
    }

    /// Where the quota figure starts on the bar (after the second separator).
    func quotaStyle(_ status: QuotaStatus) -> CellStyle {
        var bar = quiet
        bar.quota = status
        let canvas = rendered(bar, columns: 120)
        let column = canvas.lines()[0].distance(
            from: canvas.lines()[0].startIndex, to: canvas.lines()[0].range(of: "quota")!.lowerBound)
        return canvas.style(row: 0, column: column + 2)
    }

    @Test func theQuotaTurnsYellowUnderTwentyPercentAndRedAtZero() {
        #expect(quotaStyle(quota(87)).role == .normal)
        #expect(quotaStyle(quota(20)).role == .normal)
        #expect(quotaStyle(quota(19)).role == .warning)
        #expect(quotaStyle(quota(1)).role == .warning)
        #expect(quotaStyle(quota(0)).role == .danger)
        #expect(quotaStyle(quota(3, of: 10)).role == .normal)
        #expect(quotaStyle(quota(1, of: 10)).role == .warning)
    }

    @Test func waitingForTheResetIsSaidWithItsCountdown() {
        var bar = quiet
        bar.quota = quota(0, resetIn: 12, waiting: 12)
        let line = rendered(bar, columns: 120).lines()[0]
        #expect(line.contains("waiting for quota (reset in 12s)"))
        #expect(rendered(bar, columns: 120, at: now.addingTimeInterval(2.5)).lines()[0].contains("(reset in 10s)"))
        #expect(rendered(bar, columns: 60).lines()[0].contains("quota wait 12s"))
        #expect(quotaStyle(quota(0, resetIn: 12, waiting: 12)).role == .danger)
    }

    @Test func noFiguresYetShowsAnUnknownQuota() {
        var bar = quiet
        bar.quota = nil
        #expect(rendered(bar, columns: 120).lines()[0].hasPrefix(" acme · api.minimo.io │ online │ quota ?   "))
    }

    @Test func demoAndOfflineAreShown() {
        let bar = StatusBar(profile: "acme", host: "127.0.0.1:4000", isDemo: true, isOnline: false, quota: quota(87))
        let canvas = rendered(bar, columns: 100)
        #expect(canvas.lines()[0].hasPrefix(" DEMO │ offline │ quota 87/100 · reset 34s "))
        #expect(canvas.style(row: 0, column: 1).role == .warning)
        #expect(canvas.style(row: 0, column: 8).role == .danger)
    }

    @Test func theLastErrorIsSanitisedAndCutBeforeTheHints() {
        var bar = quiet
        bar.lastError = "HTTP 500: \u{1B}[2Jgone\rwrong and a very long explanation of what went wrong"
        let line = rendered(bar, columns: 120).lines()[0]
        #expect(!line.contains("\u{1B}"))
        // The error keeps `errorReserve` columns; the hints keep their first three.
        #expect(line.contains(" │ error: HTTP 500: \\x1B[2Jgo…  ? help  / find  e edit  s save"))
        let narrow = rendered(bar, columns: 80).lines()[0]
        #expect(narrow.contains("error: HTTP 500"))
        #expect(narrow.hasSuffix("│error: HTTP 500: \\x1B[2J…  ? help  / find  e edit"))
    }

    @Test func aMessageIsShownWholeWhenLaterHintsCanGiveWayToIt() {
        var bar = typical
        bar.lastError = "conflict on Company — O to resolve"
        // 130 columns: every hint would leave the message cut; the later hints give way to it.
        let line = rendered(bar, columns: 130).lines()[0]
        #expect(line.contains("error: conflict on Company — O to resolve"), "\(line)")
        #expect(line.contains("? help"))
        // Too narrow for the whole message and three hints: cut, the first three hints kept.
        var short = quiet
        short.lastError = bar.lastError
        let narrow = rendered(short, columns: 80).lines()[0]
        #expect(narrow.contains("error: conflict on"))
        #expect(narrow.contains("? help"))
    }
}
