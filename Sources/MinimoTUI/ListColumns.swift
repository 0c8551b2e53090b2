import Foundation
import MinimoCache
import MinimoKit

/// A column of the contact list, as a profile names it (`columns = ["email", "name", "PLAN"]`):
/// a contact property, or a custom field by key or display name (ignoring case).
public enum ListColumn: Sendable, Hashable {
    case email, name, phone, status, id
    case field(String)

    /// Without `columns` in the profile: people, not only addresses.
    public static let defaultNames = ["email", "name"]

    public init(name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "email": self = .email
        case "name": self = .name
        case "phone": self = .phone
        case "status": self = .status
        case "id": self = .id
        default: self = .field(name.trimmingCharacters(in: .whitespaces))
        }
    }

    /// The definition a field column names: by key, then by display name, ignoring case.
    func definition(in definitions: [CustomFieldDefinition]) -> CustomFieldDefinition? {
        guard case .field(let name) = self else { return nil }
        return definitions.first { $0.matches(key: name) } ?? definitions.first { $0.displayName.lowercased() == name.lowercased() }
    }

    /// The header: "Email", "Name", or the field's display name.
    func title(definitions: [CustomFieldDefinition]) -> String {
        switch self {
        case .email: "Email"
        case .name: "Name"
        case .phone: "Phone"
        case .status: "Status"
        case .id: "Id"
        case .field(let name): definition(in: definitions)?.displayName ?? name
        }
    }

    /// The cell's text (unsanitised: the caller sanitises), nil when the contact has no value.
    func value(of summary: ContactSummary, definitions: [CustomFieldDefinition]) -> String? {
        switch self {
        case .email: return summary.email
        case .name: return summary.name
        case .phone: return summary.phone
        case .status: return summary.status
        case .id: return summary.id.rawValue
        case .field(let name):
            let key = (definition(in: definitions)?.key ?? name).lowercased()
            guard let value = summary.customFields[name] ?? summary.customFields.first(where: { $0.key.lowercased() == key })?.value
            else { return nil }
            switch value {
            case .null: return nil
            case .string(let text): return text
            default: return value.jsonText
            }
        }
    }

    /// Widest a column grows to, so that one long value does not push the others off.
    var widthCap: Int {
        switch self {
        case .email: 34
        case .name: 26
        case .id: 10
        default: 18
        }
    }
}

/// How the list is ordered: by one column, either way; nil keeps the search's order (exact
/// match, then prefix, then anywhere).
public struct ListSort: Sendable, Hashable {
    public var column: Int
    public var descending: Bool
}

extension PaneViews {
    /// The list as a table: a header (the sort column marked), then one row per contact, the
    /// columns that fit from the left (the first always, shrunk if it must be).
    static func table(_ state: AppState, inner: Rect, focused: Bool, on canvas: inout some Canvas) {
        let prefix = state.list.marks.isEmpty ? 1 : 2
        let rowsHeight = inner.height - 1
        let top = scrollTop(selection: state.list.selection, height: rowsHeight, count: state.list.results.count)
        let visible = state.list.results.indices.filter { $0 >= top && $0 < top + rowsHeight }
        let columns = state.list.columns
        let definitions = state.definitions
        let cells: [[String]] = visible.map { index in
            columns.map { TerminalText.sanitize($0.value(of: state.list.results[index], definitions: definitions) ?? "") }
        }
        var titles = columns.map { TerminalText.sanitize($0.title(definitions: definitions)) }
        if let sort = state.list.sort, titles.indices.contains(sort.column) {
            titles[sort.column] += state.unicodeLines ? (sort.descending ? " ▼" : " ▲") : (sort.descending ? " v" : " ^")
        }
        var widths: [Int] = []
        var used = prefix
        for (index, column) in columns.enumerated() {
            let natural = min(column.widthCap, max(TerminalText.displayWidth(titles[index]), cells.map { TerminalText.displayWidth($0[index]) }.max() ?? 0))
            let gap = widths.isEmpty ? 0 : 1
            if used + gap + natural <= inner.width {
                widths.append(natural)
                used += gap + natural
            } else if widths.isEmpty {
                widths.append(max(1, inner.width - prefix))
                used = inner.width
            } else {
                break
            }
        }
        // What is left goes to the last column shown (long names and values show more).
        if let last = widths.indices.last { widths[last] += max(0, inner.width - used) }
        func offsets() -> [Int] {
            var result: [Int] = []
            var column = prefix
            for width in widths {
                result.append(column)
                column += width + 1
            }
            return result
        }
        let starts = offsets()
        for (index, width) in widths.enumerated() {
            canvas.put(text: TerminalText.fit(titles[index], columns: width), line: 0, in: inner, offset: starts[index],
                       style: state.list.sort?.column == index ? .accent.bolded : .dim)
        }
        for (line, index) in visible.enumerated() {
            let summary = state.list.results[index]
            let selected = index == state.list.selection
            let style: CellStyle = selected ? (focused ? .selection : CellStyle(.normal, reverse: true)) : .normal
            if selected { canvas.fill(Rect(column: inner.column, row: inner.row + 1 + line, width: inner.width, height: 1), style: style) }
            canvas.put(text: summary.id == state.contact?.id ? "›" : " ", line: line + 1, in: inner, style: style)
            if state.list.marks.contains(summary.id) {
                canvas.put(text: "*", line: line + 1, in: inner, offset: 1, style: selected ? style.bolded : .accent.bolded)
            }
            for (column, width) in widths.enumerated() {
                canvas.put(text: TerminalText.fit(cells[line][column], columns: width), line: line + 1, in: inner, offset: starts[column],
                           style: column == 0 || selected ? style : CellStyle(.normal))
            }
        }
    }
}
