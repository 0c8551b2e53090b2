import Foundation
import MinimoKit

/// The formats of `minimo export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV, safe against formula injection, readable by `minimo import` (`CSVExport`).
    case csv
    /// JSON Lines: each contact object as the cache holds it, one per line.
    case jsonl
    /// vCard 4.0 (`VCardExport`).
    case vcard
}

/// Turns cached contacts into the bytes of one export format: a header (CSV only), then one
/// piece per contact, each written as soon as it is made.
public struct ExportEncoder: Sendable {
    public let format: ExportFormat
    /// The CSV columns (empty for the other formats).
    public let columns: [CSVExport.Column]
    public let layout: VCardExport.Layout

    /// - Parameter fields: `--fields`, CSV only: the columns to write, in order.
    public init(format: ExportFormat, summary: CacheExportSummary, fields: [String]? = nil) throws {
        self.format = format
        layout = VCardExport.Layout(definitions: summary.definitions, keysFound: summary.customFieldKeys)
        switch format {
        case .csv:
            let all = CSVExport.columns(definitions: summary.definitions, keysFound: summary.customFieldKeys)
            columns = try fields.map { try CSVExport.select($0, from: all) } ?? all
        case .jsonl, .vcard:
            if fields != nil { throw ExportError("--fields chooses CSV columns; it does not apply to --format \(format.rawValue)") }
            columns = []
        }
    }

    /// What goes before the first contact: the CSV header row (even with no contacts).
    public func header(byteOrderMark: Bool = false) -> Data {
        guard format == .csv else { return Data() }
        return Data(((byteOrderMark ? "\u{FEFF}" : "") + CSVExport.headerLine(columns)).utf8)
    }

    /// Appends one contact to `output`.
    public func append(_ record: CachedContactRecord, to output: inout Data) {
        switch format {
        case .csv:
            output.append(contentsOf: CSVExport.line(record.contact, columns: columns).utf8)
        case .jsonl:
            output.append(record.json)
            output.append(UInt8(ascii: "\n"))
        case .vcard:
            var bytes: [UInt8] = []
            VCardExport.appendCard(record.contact, layout: layout, to: &bytes)
            output.append(contentsOf: bytes)
        }
    }
}
