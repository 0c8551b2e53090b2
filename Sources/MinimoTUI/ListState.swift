import Foundation
import MinimoCache
import MinimoKit

/// The contact list: the search's results, their columns and order, the selection, and the
/// contacts marked for a bulk edit. Its keys (the `list` context) change only this.
public struct ListState: Sendable {
    public var results: [ContactSummary] = []
    /// The search these results answer, and whether the cache holds more matches than are
    /// loaded: the list is read a page at a time (`TUIApp.page` rows), the next page when the
    /// selection comes within a screen of the end, so a keystroke decodes a screenful, not 500.
    public var query: String?
    public var more = false
    /// The first row of the page being read, if one is.
    var loadingFrom: Int?
    /// `M` with matches left to read: the rest is read (up to `markAllLimit` rows in the list)
    /// and marked as it comes, so `M` marks every match, as it did when the list held them all.
    var markingAll = false
    static let markAllLimit = 10_000
    /// The profile's `columns`; `[.email]` draws the plain list of addresses.
    public var columns: [ListColumn] = [.email]
    /// The order (`o` cycles the column, `I` inverts); nil: the search's order.
    public var sort: ListSort?
    public var selection = 0
    /// Contacts marked (`m`, `M`) for a bulk edit, kept across searches.
    public var marks = Marks()

    public init() {}

    public var selected: ContactSummary? { results.indices.contains(selection) ? results[selection] : nil }

    /// A new answer of the search: shown in the chosen order, the selection kept in range.
    mutating func show(_ summaries: [ContactSummary], query: String? = nil, more: Bool = false, definitions: [CustomFieldDefinition]) {
        results = summaries
        self.query = query
        self.more = more
        loadingFrom = nil
        markingAll = false
        selection = min(selection, max(0, summaries.count - 1))
        applySort(definitions: definitions)
    }

    /// The next page of the same search, after the rows loaded (re-sorted with them when a
    /// sort is on: a sort orders the rows loaded so far).
    mutating func append(_ summaries: [ContactSummary], from offset: Int, more: Bool, definitions: [CustomFieldDefinition]) {
        guard offset == loadingFrom else { return }  // a page of an older list
        let loaded = Set(results.map(\.id))
        let added = summaries.filter { !loaded.contains($0.id) }
        results += added
        if markingAll { for summary in added { marks.mark(summary) } }
        self.more = more
        loadingFrom = nil
        if !more || results.count >= Self.markAllLimit { markingAll = false }
        applySort(definitions: definitions)
    }

    /// The effect that reads the next page, when the selection is within `window` rows of the
    /// end of what is loaded and the search `text` shown is the one these rows answer.
    mutating func pageIn(text: String, window: Int) -> AppEffect? {
        guard more, loadingFrom == nil, query == text else { return nil }
        if markingAll, results.count < Self.markAllLimit {
            loadingFrom = results.count
            return .searchMore(query: text, offset: results.count, rows: Self.markAllLimit - results.count)
        }
        guard results.count - selection <= window else { return nil }
        loadingFrom = results.count
        return .searchMore(query: text, offset: results.count)
    }

    /// The count for the list's title: `100+` while more matches are left to read.
    var countLabel: String { more ? "\(results.count)+" : "\(results.count)" }

    /// `o`: the next column to sort by, then back to the search's order. Returns what to say.
    mutating func cycleSort(definitions: [CustomFieldDefinition]) -> String {
        switch sort {
        case nil where !columns.isEmpty: sort = ListSort(column: 0, descending: false)
        case let current? where current.column + 1 < columns.count: sort = ListSort(column: current.column + 1, descending: current.descending)
        default: sort = nil
        }
        applySort(definitions: definitions)
        return sort.map { "sorted by \(columns[$0.column].title(definitions: definitions))\($0.descending ? ", descending" : "")" }
            ?? "in the search's order"
    }

    /// `I`: the other direction (as htop inverts its sort). Returns what to say.
    mutating func reverseSort(definitions: [CustomFieldDefinition]) -> String {
        var next = sort ?? ListSort(column: 0, descending: false)
        next.descending.toggle()
        sort = next
        applySort(definitions: definitions)
        let title = columns.indices.contains(next.column) ? columns[next.column].title(definitions: definitions) : "?"
        return "sorted by \(title)\(next.descending ? ", descending" : "")"
    }

    /// Orders `results` by the sort column, keeping the selected contact selected. Numbers sort
    /// as numbers; contacts without a value go last either way.
    mutating func applySort(definitions: [CustomFieldDefinition]) {
        guard let sort, columns.indices.contains(sort.column), results.count > 1 else { return }
        let selectedID = selected?.id
        let column = columns[sort.column]
        let keyed = results.map { (summary: $0, value: column.value(of: $0, definitions: definitions)) }
        let ordered = keyed.enumerated().sorted { left, right in
            switch (left.element.value, right.element.value) {
            case (nil, nil): return left.offset < right.offset
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?):
                let order: ComparisonResult
                if let x = Double(a), let y = Double(b) {
                    order = x < y ? .orderedAscending : (x > y ? .orderedDescending : .orderedSame)
                } else {
                    order = a.localizedStandardCompare(b)
                }
                if order == .orderedSame { return left.offset < right.offset }
                return sort.descending ? order == .orderedDescending : order == .orderedAscending
            }
        }
        results = ordered.map(\.element.summary)
        if let selectedID, let index = results.firstIndex(where: { $0.id == selectedID }) { selection = index }
    }

    /// `m`: marks or unmarks the selected contact and moves to the next, so a run of contacts
    /// is marked by pressing `m` repeatedly.
    mutating func toggleMark() {
        guard let summary = selected else { return }
        marks.toggle(summary)
        selection = min(selection + 1, max(0, results.count - 1))
    }

    /// `M`: marks everything the current filter shows; when all of it is marked already,
    /// unmarks it instead. Returns whether it marked.
    mutating func toggleMarkAll() -> Bool {
        if results.allSatisfy({ marks.contains($0.id) }) {
            for summary in results { marks.unmark(summary.id) }
            markingAll = false
            return false
        }
        for summary in results { marks.mark(summary) }
        markingAll = more && results.count < Self.markAllLimit
        return true
    }
}
