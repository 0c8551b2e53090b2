import Foundation
import MinimoKit

/// The rejects file of an import: one row per rejected row, naming its line, the columns and
/// the reasons, followed by the row exactly as it was in the file.
///
/// For a CSV import it is CSV with the file's separator: the header is `reject_line`,
/// `reject_column`, `reject_reason` and then the file's own header, and each row is those three
/// cells followed by the original row's text, byte for byte (quoted line breaks included). The
/// importer ignores the three `reject_` columns, so the file can be fixed and imported as it
/// is. The reason cells are guarded like an export's cells against spreadsheet formulas (a
/// reason quoting `=1+1` starts with `'`). For JSON Lines, each line is the original object with
/// `reject_line`, `reject_column` and `reject_reason` added (or, for a line that is not a JSON
/// object, those and `reject_original` holding its text).
public enum ImportRejects {
    public struct Entry: Sendable, Hashable {
        public var record: ImportRecord
        public var problems: [ImportProblem]

        public init(record: ImportRecord, problems: [ImportProblem]) {
            self.record = record
            self.problems = problems
        }

        public var columns: String { problems.compactMap(\.column).uniqued().joined(separator: ", ") }
        public var reasons: String { problems.map(\.reason).joined(separator: "; ") }
    }

    /// `dir/contacts.csv` → `dir/contacts.rejects.csv` (`.rejects.jsonl` for JSON Lines).
    public static func defaultPath(for file: ImportFile) -> String {
        let url = URL(fileURLWithPath: file.path)
        let base = url.deletingPathExtension().path
        return base + (file.format == .jsonLines ? ".rejects.jsonl" : ".rejects.csv")
    }

    /// The file's text.
    public static func text(_ entries: [Entry], file: ImportFile) -> String {
        switch file.format {
        case .csv:
            let separator = String(file.separator ?? ",")
            var text = ["reject_line", "reject_column", "reject_reason"].joined(separator: separator) + separator
                + (file.headerLine ?? file.columns.joined(separator: separator)) + "\r\n"
            for entry in entries {
                let cells = [String(entry.record.line), entry.columns, entry.reasons].map { cell($0, separator: separator) }
                text += cells.joined(separator: separator) + separator + entry.record.original + "\r\n"
            }
            return text
        case .jsonLines:
            return entries.map { entry in
                var object: [String: JSONValue] = [:]
                if case .object(let original)? = try? JSONValue.parse(Data(entry.record.original.utf8)) {
                    object = original
                } else {
                    object["reject_original"] = .string(entry.record.original)
                }
                object["reject_line"] = .int(Int64(entry.record.line))
                object["reject_column"] = .string(entry.columns)
                object["reject_reason"] = .string(entry.reasons)
                return JSONValue.object(object).jsonText + "\n"
            }.joined()
        }
    }

    /// Writes the rejects file (0600: it holds personal data).
    public static func write(_ entries: [Entry], file: ImportFile, to path: String) throws {
        let data = Data(text(entries, file: file).utf8)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ImportError("cannot write the rejects file \(path)")
        }
    }

    /// A cell: guarded against formulas (a `'` before `=`, `+`, `-`, `@`, tab or CR, and before
    /// any `'`s leading to one), quoted when it holds the separator, a quote or a line break.
    static func cell(_ text: String, separator: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first(where: { $0 != "'" }), "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        if value.contains(separator) || value.contains("\"") || value.contains("\n") || value.contains("\r") {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
