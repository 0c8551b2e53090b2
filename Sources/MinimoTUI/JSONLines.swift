import Foundation
import MinimoKit

/// Pretty JSON as coloured lines for the raw view: keys, strings, numbers and literals in their
/// own styles, every string sanitised (bodies are the server's words).
public enum JSONLines {
    public struct Span: Sendable, Hashable {
        public var text: String
        public var style: CellStyle
    }

    public typealias Line = [Span]

    /// A body as lines: pretty JSON when it parses, else the sanitised text, line by line.
    public static func body(_ data: Data) -> [Line] {
        if data.isEmpty { return [[Span(text: "(empty body)", style: .dim)]] }
        if let value = try? JSONValue.parse(data) { return lines(value) }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map {
            [Span(text: TerminalText.sanitize(String($0)), style: .normal)]
        }
    }

    public static func lines(_ value: JSONValue) -> [Line] {
        var output: [Line] = []
        append(value, indent: 0, prefix: [], suffix: "", into: &output)
        return output
    }

    private static func scalar(_ value: JSONValue) -> Span {
        switch value {
        case .string(let text): Span(text: TerminalText.sanitize(JSONValue.string(text).jsonText), style: .success)
        case .int, .double: Span(text: value.jsonText, style: .warning)
        case .bool, .null: Span(text: value.jsonText, style: .accent)
        default: Span(text: value.jsonText, style: .normal)
        }
    }

    private static func append(_ value: JSONValue, indent: Int, prefix: Line, suffix: String, into output: inout [Line]) {
        let pad = Span(text: String(repeating: "  ", count: indent), style: .normal)
        let tail = suffix.isEmpty ? [] : [Span(text: suffix, style: .dim)]
        switch value {
        case .object(let object) where !object.isEmpty:
            output.append([pad] + prefix + [Span(text: "{", style: .dim)])
            let keys = object.keys.sorted()
            for (index, key) in keys.enumerated() {
                let keySpan = Span(text: TerminalText.sanitize(JSONValue.string(key).jsonText), style: .accent)
                append(object[key]!, indent: indent + 1, prefix: [keySpan, Span(text: ": ", style: .dim)],
                       suffix: index < keys.count - 1 ? "," : "", into: &output)
            }
            output.append([pad, Span(text: "}", style: .dim)] + tail)
        case .array(let array) where !array.isEmpty:
            output.append([pad] + prefix + [Span(text: "[", style: .dim)])
            for (index, item) in array.enumerated() {
                append(item, indent: indent + 1, prefix: [], suffix: index < array.count - 1 ? "," : "", into: &output)
            }
            output.append([pad, Span(text: "]", style: .dim)] + tail)
        default:
            output.append([pad] + prefix + [scalar(value)] + tail)
        }
    }

    /// Draws `line` at `row` inside `rect`, clipped.
    static func draw(_ line: Line, row: Int, in rect: Rect, on canvas: inout some Canvas) {
        var column = rect.column
        for span in line where column < rect.maxColumn {
            column = canvas.put(text: span.text, row: row, column: column, style: span.style, limit: rect.maxColumn)
        }
    }
}
