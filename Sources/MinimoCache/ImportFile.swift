import Crypto
import Foundation
import MinimoKit

/// A file for `minimo import`, read whole and checked before anything else happens: its
/// encoding, its format, its header, and each record with the line it starts on and its exact
/// text (for the rejects file).
///
/// **Encoding.** UTF-8, with or without a byte-order mark. A file that is not valid UTF-8 is
/// refused, naming the first bad byte and `--latin1`, which reads it as Windows-1252 (the
/// superset of Latin-1 that Excel on Windows writes: `€`, curly quotes, `–` in 0x80–0x9F).
/// UTF-16 (Excel's "Unicode text") is refused with the way to save it as UTF-8.
///
/// **Formats.** CSV with a header row (`.csv`, `.tsv`, `.txt`, or anything not starting with
/// `{`) or JSON Lines (`.jsonl`, `.ndjson`, or a first non-blank byte `{`).
///
/// **Why not a CSV library.** yaslab/CSV.swift (the one on this machine's mirror that streams)
/// handles `;`, the BOM and quoted newlines, but it gives neither the line a record starts on
/// nor its original text (the rejects file holds both), and it reads malformed quoting
/// silently: an unclosed quote swallows the rest of the file into one field, and
/// `"ab"cd` becomes `ab"cd`. An import must name such a row, not load a mangled one, so this is
/// a small RFC 4180 reader over bytes instead (swiftcsv/SwiftCSV reads a whole string and has
/// the same two gaps). The file's SHA-256 must cover every byte before any row is sent (the
/// idempotency keys derive from it) and every row is validated first, so the file is read
/// whole (memory-mapped) rather than streamed.
public struct ImportFile: Sendable {
    public enum Format: String, Sendable, Hashable {
        case csv = "CSV"
        case jsonLines = "JSON Lines"
    }

    public var path: String
    public var format: Format
    /// SHA-256 of the file's bytes as they are on disk, hex: the idempotency keys derive from it.
    public var sha256: String
    /// `,`, `;` or tab, detected from the header (CSV only).
    public var separator: Character?
    public var hadByteOrderMark: Bool
    /// Read as Windows-1252 (`--latin1`).
    public var convertedFromLatin1: Bool
    /// Column names: the CSV header, or the JSON keys in order of first appearance.
    public var columns: [String]
    /// The CSV header as written (for the rejects file).
    public var headerLine: String?
    public var records: [ImportRecord]

    /// Reads and checks `path`. Throws `ImportError` naming the problem (and the flag that
    /// fixes it, where one does).
    public static func read(path: String, latin1: Bool) throws -> ImportFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ImportError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw ImportError("\(path) is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8) and import that")
        }
        let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        if bom { bytes.removeFirst(3) }
        let text: String
        if let invalid = Self.firstInvalidUTF8(bytes) {
            guard latin1 else {
                let line = bytes[..<invalid].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw ImportError(
                    "\(path) is not UTF-8: byte 0x\(String(format: "%02X", bytes[invalid])) on line \(line) is not valid UTF-8. If the file is Latin-1 or Windows-1252 (Excel on Windows), run again with --latin1, which converts it; or save it as CSV UTF-8")
            }
            text = Self.windows1252(bytes)
        } else {
            if latin1, bytes.contains(where: { $0 >= 0x80 }) {
                throw ImportError(
                    "\(path) is valid UTF-8: --latin1 would turn its accented letters into garbage (è into Ã¨); run again without --latin1")
            }
            text = String(decoding: bytes, as: UTF8.self)
        }
        let format = Self.format(path: path, text: text)
        var file = ImportFile(
            path: path, format: format, sha256: digest, separator: nil, hadByteOrderMark: bom, convertedFromLatin1: latin1,
            columns: [], headerLine: nil, records: [])
        switch format {
        case .csv: try file.readCSV(Array(text.utf8))
        case .jsonLines: file.readJSONLines(text)
        }
        return file
    }

    static func format(path: String, text: String) -> Format {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonLines }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") || lower.hasSuffix(".txt") { return .csv }
        return text.first(where: { !$0.isWhitespace }) == "{" ? .jsonLines : .csv
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                continue
            }
            let length: Int
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            let second = bytes[index + 1]
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch byte {
            case 0xE0: lower = 0xA0
            case 0xED: upper = 0x9F  // no UTF-16 surrogates
            case 0xF0: lower = 0x90
            case 0xF4: upper = 0x8F
            default: break
            }
            guard (lower...upper).contains(second) else { return index }
            for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return index }
            index += length
        }
        return nil
    }

    /// Windows-1252 to text: Latin-1 everywhere except 0x80–0x9F, where Windows puts `€`, curly
    /// quotes, dashes... The five bytes it leaves undefined become the C1 controls Latin-1 has
    /// there (the control-character check then names them).
    static func windows1252(_ bytes: [UInt8]) -> String {
        let table: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
            0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? table[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }

    // MARK: - CSV

    private mutating func readCSV(_ bytes: [UInt8]) throws {
        var reader = CSVRecordReader(bytes: bytes, separator: Self.detectSeparator(bytes))
        separator = Character(Unicode.Scalar(reader.separator))
        guard let header = try reader.next() else {
            throw ImportError("\(path) is empty: a CSV import needs a header row (email, phone, custom fields, consent_email, consent_whatsapp)")
        }
        if let problem = header.problem { throw ImportError("\(path), line 1 (the header): \(problem)") }
        columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        headerLine = header.original
        var number = 0
        while let record = try reader.next() {
            // A blank line between records is no row (a trailing one is common).
            if record.fields.count == 1, record.fields[0].isEmpty, record.original.isEmpty { continue }
            number += 1
            var values: [String: ImportValue] = [:]
            var problem = record.problem
            for (index, field) in record.fields.enumerated() {
                if index < columns.count {
                    values[columns[index]] = .text(field)
                } else if !field.isEmpty, problem == nil {
                    problem = "\(record.fields.count) cells where the header has \(columns.count)"
                }
            }
            records.append(ImportRecord(number: number, line: record.line, values: values, original: record.original, problem: problem))
        }
    }

    /// `,`, `;` or tab: whichever appears most in the first line outside quotes (`,` on a tie).
    static func detectSeparator(_ bytes: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0]
        var quoted = false
        for byte in bytes {
            if byte == 0x22 { quoted.toggle() }
            if !quoted, byte == 0x0A || byte == 0x0D { break }
            if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = counts.max { ($0.value, $0.key == 0x2C ? 1 : 0) < ($1.value, $1.key == 0x2C ? 1 : 0) }
        return best.map { $0.value > 0 ? $0.key : 0x2C } ?? 0x2C
    }

    // MARK: - JSON Lines

    /// Keys of the API's contact object that an import cannot set (every spelling of the
    /// server-owned `ContactWireField`s): a JSON Lines export (each contact as the API sent it)
    /// imports back without naming them.
    public static let readOnlyContactKeys: Set<String> = Set(
        ContactWireField.allCases.filter(\.serverOwned).flatMap(\.spellings))

    private mutating func readJSONLines(_ text: String) {
        var seen = Set<String>()
        var number = 0
        var line = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            let original = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            guard !original.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            number += 1
            var values: [String: ImportValue] = [:]
            var problem: String?
            switch try? JSONValue.parse(Data(original.utf8)) {
            case .object(let object)?:
                for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                    switch key {
                    case "custom_fields", "customFields":
                        guard case .object(let fields) = value else {
                            if value != .null { problem = "\(key) is not an object" }
                            continue
                        }
                        for (field, fieldValue) in fields.sorted(by: { $0.key < $1.key }) {
                            values["field:" + field] = ImportValue(json: fieldValue)
                        }
                    case "marketing_consent", "marketingConsent":
                        guard case .object(let consent) = value else {
                            if value != .null { problem = "\(key) is not an object" }
                            continue
                        }
                        for (channel, flag) in consent { values["consent_" + channel] = ImportValue(json: flag) }
                    case _ where Self.readOnlyContactKeys.contains(key):
                        continue
                    default:
                        values[key] = ImportValue(json: value)
                    }
                }
            case .some:
                problem = "the line is JSON but not an object"
            case nil:
                problem = "the line is not valid JSON"
            }
            for key in values.keys.sorted() where !seen.contains(key) {
                seen.insert(key)
                columns.append(key)
            }
            records.append(ImportRecord(number: number, line: line, values: values, original: original, problem: problem))
        }
    }
}

/// One record (data row) of an import file.
public struct ImportRecord: Sendable, Hashable {
    /// 1 for the first data row (the header is not counted).
    public var number: Int
    /// The line of the file it starts on (the header is line 1): what a text editor shows, and a
    /// spreadsheet too, as long as no cell above holds a line break.
    public var line: Int
    /// Its cells by column name; a column missing from a short row is absent.
    public var values: [String: ImportValue]
    /// Its exact text, without the line end.
    public var original: String
    /// Unreadable as a whole (malformed quoting, invalid JSON, more cells than the header).
    public var problem: String?
}

/// One cell: text from a CSV (or a JSON string), or a JSON value of another type.
public enum ImportValue: Sendable, Hashable {
    case text(String)
    case json(JSONValue)

    init(json: JSONValue) {
        if case .string(let text) = json { self = .text(text) } else { self = .json(json) }
    }
}

/// A problem with the file or the command that stops the import before anything is queued.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// RFC 4180 records over UTF-8 bytes: `separator`, `"` quoting with `""` inside, line breaks
/// (LF, CRLF, or a lone CR) inside quoted fields kept exactly. A quote inside an unquoted field
/// is kept as a character (`5" screen`, as spreadsheets write it); text after a closing quote is
/// a malformed record; an unclosed quote at the end of the file is an error naming the line
/// where it opened.
struct CSVRecordReader {
    let bytes: [UInt8]
    let separator: UInt8
    private var position = 0
    private var line = 1

    init(bytes: [UInt8], separator: UInt8) {
        self.bytes = bytes
        self.separator = separator
    }

    struct Record {
        var fields: [String]
        var line: Int
        var original: String
        var problem: String?
    }

    mutating func next() throws -> Record? {
        guard position < bytes.count else { return nil }
        let start = position
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        var end = bytes.count
        var atFieldStart = true
        var quoted = false
        var closed = false  // a quoted field's closing quote was read
        var quoteLine = line
        loop: while position < bytes.count {
            let byte = bytes[position]
            if quoted {
                position += 1
                if byte == 0x22 {
                    if position < bytes.count, bytes[position] == 0x22 {
                        field.append(0x22)
                        position += 1
                    } else {
                        quoted = false
                        closed = true
                    }
                } else {
                    if byte == 0x0A || (byte == 0x0D && (position >= bytes.count || bytes[position] != 0x0A)) { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case separator:
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
                atFieldStart = true
                closed = false
                position += 1
            case 0x0A, 0x0D:
                end = position
                position += 1
                if byte == 0x0D, position < bytes.count, bytes[position] == 0x0A { position += 1 }
                line += 1
                break loop
            case 0x22 where atFieldStart:
                quoted = true
                quoteLine = line
                atFieldStart = false
                position += 1
            default:
                if closed, problem == nil {
                    problem = "malformed quoting in cell \(fields.count + 1): text after its closing quote (a quote inside a quoted cell is written \"\")"
                }
                field.append(byte)
                atFieldStart = false
                position += 1
            }
        }
        if quoted {
            throw ImportError("line \(quoteLine): a quoted cell is never closed (a \" opens it and the file ends before the closing \")")
        }
        fields.append(String(decoding: field, as: UTF8.self))
        let original = String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
        return Record(fields: fields, line: startLine, original: original, problem: problem)
    }
}
