import Foundation
import MinimoKit

/// The bottom line: who and where (profile and host, or DEMO), online or not, the live quota,
/// edits not yet saved or sent, the last error, and key hints.
///
/// The quota is the scarce resource, so it always stays; it counts down from `now`, which the
/// caller passes (a tick each second), so tests move time instead of sleeping. On narrow
/// terminals the hints shorten, then drop from the least important, then the host goes.
public struct StatusBar: Sendable, Hashable {
    public var profile: String?
    public var host: String?
    /// Running against the in-process sandbox: shown as `DEMO` instead of profile and host.
    public var isDemo: Bool
    public var isOnline: Bool
    public var quota: QuotaStatus?
    /// Changes made in the editor and not yet reviewed and saved.
    public var unsavedEdits: Int
    /// Saved changes still in the outbox.
    public var unsentEdits: Int
    /// Shown sanitised: it may quote the server.
    public var lastError: String?
    /// A passing message ("saved", "copied"), shown where the error goes when there is none.
    public var notice: String?
    public var hints: [KeyHint]
    /// Contacts marked for a bulk edit.
    public var marked = 0
    /// The profile's label (`PROD`), first on the bar, as a badge in its colour.
    public var label: ProfileLabel?
    /// A read-only profile: said after the identity.
    public var readOnly = false
    /// A bulk edit being sent: `bulk 3/5 · ETA 40 s`.
    public var bulkProgress: String?
    /// Fewest columns kept for the error before hints are shortened for it.
    public static let errorReserve = 24
    /// Under this share of the limit left, the quota turns to warning.
    public static let lowQuotaFraction = 0.2

    public init(
        profile: String? = nil, host: String? = nil, isDemo: Bool = false, isOnline: Bool = true,
        quota: QuotaStatus? = nil, unsavedEdits: Int = 0, unsentEdits: Int = 0, lastError: String? = nil,
        hints: [KeyHint] = KeyHint.main
    ) {
        self.profile = profile
        self.host = host
        self.isDemo = isDemo
        self.isOnline = isOnline
        self.quota = quota
        self.unsavedEdits = unsavedEdits
        self.unsentEdits = unsentEdits
        self.lastError = lastError
        self.hints = hints
    }

    /// A piece of the bar: text in one style.
    struct Span: Equatable {
        var text: String
        var style: CellStyle
    }

    /// How much the left part says, from all of it to the least that still informs.
    enum Detail: CaseIterable {
        case full, withoutHost, compact
    }

    static func separator(_ detail: Detail) -> Span {
        Span(text: detail == .compact ? "│" : " │ ", style: .dim)
    }

    /// The label's badge and the read-only mark, before the identity.
    var badges: [Span] {
        var spans: [Span] = []
        if let label { spans += [Span(text: " " + TerminalText.sanitize(label.text) + " ", style: label.style), Span(text: " ", style: .normal)] }
        if readOnly { spans += [Span(text: "read-only", style: .warning.bolded), Span(text: " ", style: .normal)] }
        return spans
    }

    func identity(_ detail: Detail) -> Span {
        if isDemo { return Span(text: "DEMO", style: CellStyle(.warning, bold: true)) }
        let name = TerminalText.sanitize(profile ?? "default")
        guard detail == .full, let host, !host.isEmpty else { return Span(text: name, style: .accent.bolded) }
        return Span(text: name + " · " + TerminalText.sanitize(host), style: .accent.bolded)
    }

    var connection: Span {
        isOnline ? Span(text: "online", style: .success) : Span(text: "offline", style: .danger.bolded)
    }

    /// `quota 87/100 · reset 34s`, coloured by what is left; or what the gate is waiting for.
    func quotaSpan(now: Date, _ detail: Detail = .full) -> Span {
        let compact = detail == .compact
        if let waitingUntil = quota?.waitingUntil {
            let seconds = max(0, Int(waitingUntil.timeIntervalSince(now).rounded(.up)))
            let text = compact ? "quota wait \(seconds)s" : "waiting for quota (reset in \(seconds)s)"
            return Span(text: text, style: .danger.bolded)
        }
        guard let snapshot = quota?.snapshot else { return Span(text: "quota ?", style: .dim) }
        if snapshot.isExpired(now: now) {
            // The window is over: the figure is out of date until the next answer.
            return Span(text: compact ? "quota ?/\(snapshot.limit)" : "quota ?/\(snapshot.limit) · reset due", style: .dim)
        }
        let style: CellStyle
        if snapshot.remaining <= 0 {
            style = .danger.bolded
        } else if Double(snapshot.remaining) < Double(snapshot.limit) * Self.lowQuotaFraction {
            style = .warning
        } else {
            style = .normal
        }
        guard compact else { return Span(text: snapshot.summary(now: now), style: style) }
        var text = "quota \(snapshot.remaining)/\(snapshot.limit)"
        if let seconds = snapshot.secondsUntilReset(now: now) { text += " \(seconds)s" }
        return Span(text: text, style: style)
    }

    var edits: Span? {
        var parts: [String] = []
        if let bulkProgress { parts.append(bulkProgress) }
        if marked > 0 { parts.append("\(marked) marked") }
        if unsavedEdits > 0 { parts.append("\(unsavedEdits) unsaved") }
        if unsentEdits > 0 { parts.append("\(unsentEdits) unsent") }
        guard !parts.isEmpty else { return nil }
        return Span(text: parts.joined(separator: " · "), style: unsavedEdits > 0 ? .warning : .normal)
    }

    /// The hints as spans, `key label` pairs two spaces apart.
    static func hintSpans(_ hints: [KeyHint], short: Bool) -> [Span] {
        var spans: [Span] = []
        for (index, hint) in hints.enumerated() {
            if index > 0 { spans.append(Span(text: "  ", style: .normal)) }
            spans.append(Span(text: hint.key, style: .keyHint))
            spans.append(Span(text: " " + (short ? hint.shortLabel : hint.label), style: .dim))
        }
        return spans
    }

    static func width(_ spans: [Span]) -> Int { spans.reduce(0) { $0 + TerminalText.displayWidth($1.text) } }

    /// The left part: identity, connection, quota, edits.
    func leftSpans(now: Date, _ detail: Detail) -> [Span] {
        let separator = Self.separator(detail)
        var spans = [Span(text: " ", style: .normal)] + badges + [identity(detail), separator, connection, separator,
            quotaSpan(now: now, detail)]
        if let edits { spans += [separator, edits] }
        return spans
    }

    /// Which hints fit in `room` columns: all with long labels, all short, then fewer and fewer.
    func fittingHints(room: Int) -> [Span] {
        var candidates = [Self.hintSpans(hints, short: false)]
        for count in stride(from: hints.count, through: 1, by: -1) {
            candidates.append(Self.hintSpans(Array(hints.prefix(count)), short: true))
        }
        return candidates.first { Self.width($0) <= room } ?? []
    }

    // MARK: Drawing

    /// Hints kept before the left part gives up detail for them.
    static let preferredHints = 3

    /// Draws the bar on `row` of `canvas`, across its whole width. The left part loses the host,
    /// then its spacing, before the hints shrink below the first three (short labels); the
    /// error keeps at least `errorReserve` columns when there is one.
    public func render(on canvas: inout some Canvas, row: Int, now: Date) {
        let width = canvas.size.columns
        canvas.fill(Rect(column: 0, row: row, width: width, height: 1), style: .normal)
        let error = lastError.map { "error: " + TerminalText.sanitize($0) } ?? notice.map { TerminalText.sanitize($0) }
        let messageStyle: CellStyle = lastError == nil ? .success : .danger
        var left: [Span] = []
        var hints: [Span] = []
        var separator = Self.separator(.full)
        // First try to show the whole message (later hints give way to it, down to the first
        // three); when even that cannot be, the message keeps `errorReserve` columns.
        let wanted = Self.hintSpans(Array(self.hints.prefix(Self.preferredHints)), short: true)
        search: for wholeMessage in [true, false] {
            for detail in Detail.allCases {
                left = leftSpans(now: now, detail)
                separator = Self.separator(detail)
                var errorRoom = 0
                if let error {
                    let width = TerminalText.displayWidth(error)
                    errorRoom = (wholeMessage ? width : min(width, Self.errorReserve)) + Self.width([separator])
                }
                // Two blanks between the left part (or the error) and the hints, one at the edge.
                hints = fittingHints(room: width - Self.width(left) - errorRoom - 3)
                if Self.width(hints) >= Self.width(wanted) { break search }
            }
        }
        var column = 0
        for span in left {
            column = canvas.put(text: span.text, row: row, column: column, style: span.style, limit: width)
        }
        let hintsColumn = width - 1 - Self.width(hints)
        if let error {
            let room = hintsColumn - 2 - column - Self.width([separator])
            if room >= 8 {
                column = canvas.put(text: separator.text, row: row, column: column, style: separator.style)
                canvas.put(text: TerminalText.truncate(error, columns: room), row: row, column: column, style: messageStyle)
            }
        }
        column = hintsColumn
        for span in hints {
            column = canvas.put(text: span.text, row: row, column: column, style: span.style, limit: width)
        }
    }
}
