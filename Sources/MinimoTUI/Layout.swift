/// Where each pane goes for a terminal size (DESIGN §6).
///
/// Left: the search box over the result list. Right: the contact detail over the custom-fields
/// editor over the consent toggles. Bottom: one row of status bar. Below 60×16 there is no
/// usable layout and the app says the terminal is too small instead of drawing garbled panes.
/// Pure arithmetic, so every size is tested without a terminal.
public struct Layout: Sendable, Hashable {
    public static let minimumSize = TerminalSize(columns: 60, rows: 16)
    /// Rows of the search box: a border around one line of input.
    public static let searchHeight = 3
    /// Consent channels shown (email, WhatsApp), plus the border.
    public static let consentHeight = 2 + 2

    public let size: TerminalSize
    /// False below `minimumSize`: only `screen` and `status` are meaningful then.
    public let isUsable: Bool
    /// The whole terminal.
    public let screen: Rect
    /// Everything above the status bar: where full-screen overlays (help, request log) go.
    public let main: Rect
    public let search: Rect
    public let results: Rect
    /// The whole right side: what the raw view replaces.
    public let right: Rect
    public let detail: Rect
    public let fields: Rect
    public let consent: Rect
    public let status: Rect

    /// `wideList`: the list has several columns (names, fields beside the address): on a wide
    /// terminal it takes 42% of it (up to 100 columns), the right side keeping room for a raw
    /// exchange's request line.
    public init(size: TerminalSize, wideList: Bool = false) {
        self.size = size
        screen = Rect(column: 0, row: 0, width: size.columns, height: size.rows)
        isUsable = size.columns >= Self.minimumSize.columns && size.rows >= Self.minimumSize.rows
        let statusRow = max(0, size.rows - 1)
        status = Rect(column: 0, row: statusRow, width: size.columns, height: size.rows > 0 ? 1 : 0)
        main = Rect(column: 0, row: 0, width: size.columns, height: statusRow)
        guard isUsable else {
            search = .zero
            results = .zero
            right = .zero
            detail = .zero
            fields = .zero
            consent = .zero
            return
        }
        // The list needs room for an email address; the right side gets the rest, which is where
        // the long values are.
        let leftWidth = wideList && size.columns >= 120
            ? min(100, size.columns * 42 / 100) : min(48, max(24, size.columns * 35 / 100))
        let height = main.height
        search = Rect(column: 0, row: 0, width: leftWidth, height: Self.searchHeight)
        results = Rect(column: 0, row: Self.searchHeight, width: leftWidth, height: height - Self.searchHeight)
        right = Rect(column: leftWidth, row: 0, width: size.columns - leftWidth, height: height)
        // Detail: id, email, phone, name, dates — up to 7 lines; the fields editor takes what is left.
        let detailHeight = min(9, max(6, (height - Self.consentHeight) * 32 / 100))
        detail = Rect(column: right.column, row: 0, width: right.width, height: detailHeight)
        consent = Rect(column: right.column, row: height - Self.consentHeight, width: right.width, height: Self.consentHeight)
        fields = Rect(column: right.column, row: detailHeight, width: right.width, height: consent.row - detailHeight)
    }

    /// The message shown instead of the panes when the terminal is too small.
    public var tooSmallMessage: String {
        "Terminal too small: \(size), need at least \(Self.minimumSize)"
    }
}
