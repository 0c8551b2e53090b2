import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write cached contacts as CSV, JSON Lines or vCard (no request; --sync syncs first).",
        discussion: """
            Reads the local cache only and says on stderr how fresh it is; --sync runs `minimo sync` first. \
            --query keeps the contacts whose email contains the text (all of them, not a first page).

            CSV columns: email, phone, the custom field keys, consent_email, consent_whatsapp (on/off, empty \
            when unknown), id. A cell starting with = + - @, tab or CR gets a leading ' (formula injection), \
            unless it is a whole E.164 phone or number. `minimo import` reads the file back: an empty cell \
            leaves a field unchanged, the id column is ignored, so export then import sends nothing.

            -o FILE is written 0600 (personal data) through a temporary file renamed at the end: an \
            interrupted export leaves no partial file.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("csv, jsonl or vcard.", valueName: "format"))
    var format = "csv"

    @Option(help: ArgumentHelp("Only contacts whose email contains this text (as `contacts search`).", valueName: "text"))
    var query: String?

    @Option(help: ArgumentHelp("CSV columns to write, in order, comma-separated (e.g. email,FIRST_NAME,PLAN).", valueName: "a,b,…"))
    var fields: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write to this file (0600, atomically) instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(help: "Sync the cache first (as `minimo sync`: ⌈contacts/100⌉ requests, resumable).")
    var sync = false

    @Flag(help: "CSV: start with a UTF-8 byte-order mark, for Excel.")
    var bom = false

    var exportFormat: ExportFormat? { ExportFormat(rawValue: format.lowercased()) }

    func validate() throws {
        guard let exportFormat else {
            throw ValidationError("--format must be csv, jsonl or vcard, got '\(HumanOutput.safe(format))'")
        }
        if fields != nil, exportFormat != .csv {
            throw ValidationError("--fields chooses CSV columns; it does not apply to --format \(exportFormat.rawValue)")
        }
        if bom, exportFormat != .csv { throw ValidationError("--bom applies to --format csv only") }
        if let output, output.isEmpty { throw ValidationError("-o needs a file name") }
    }

    func run() async throws {
        let format = exportFormat ?? .csv
        let context = try APIContext(global)
        if sync {
            // The sync of `minimo sync`, its progress on stderr (stdout may be the export).
            let report = try await SyncCommand.perform(context, tty: isatty(STDERR_FILENO) == 1) { text in
                FileHandle.standardError.write(Data(text.utf8))
            }
            if report.listingAvailable {
                // The definitions name the CSV columns and the vCard names: refreshed when older
                // than the TTL (one request), else from the cache.
                do {
                    _ = try await context.store.fieldDefinitions()
                } catch {
                    note("could not refresh the field definitions (\(HumanOutput.safe(CacheError.sentence(for: error)))); using the cached ones")
                }
            }
        }

        let export = try await context.store.openExport(matching: query)
        let encoder: ExportEncoder
        do {
            encoder = try ExportEncoder(format: format, summary: export.summary, fields: fields.map { $0.split(separator: ",").map(String.init) })
        } catch let error as ExportError {
            throw CLIError(.usage, HumanOutput.safe(error.message))
        }
        let base = context.client.configuration.baseURL
        let cacheName = context.profileName.map { "profile \($0)" }
            ?? (base.host.map { host in base.port.map { "\(host):\($0)" } ?? host } ?? "this host")
        for line in Self.freshness(export.summary, cache: cacheName, synced: sync, now: Date()) {
            note(line)
        }

        let sink = try ExportSink(path: output)
        var buffer = encoder.header(byteOrderMark: bom)
        let flushAt = 1 << 16
        let written: Int
        do {
            written = try await export.forEach(pageSize: 500, skipped: { count in
                note("skipped \(count) cached row(s) that are not readable contacts")
            }) { record in
                encoder.append(record, to: &buffer)
                if buffer.count >= flushAt {
                    try sink.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try sink.write(buffer)
            try sink.commit()
        } catch {
            sink.abandon()
            throw error
        }
        let destination = output.flatMap { $0 == "-" ? nil : "to \(HumanOutput.safe($0))" } ?? "to stdout"
        note("exported \(written) contact\(written == 1 ? "" : "s") \(destination)")
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The stderr lines that say what the export holds and how fresh it is.
    /// - Parameter cache: whose cache: `profile NAME`, or the host when no profile is named.
    static func freshness(_ summary: CacheExportSummary, cache: String, synced: Bool, now: Date) -> [String] {
        let matching = summary.query.map { " whose email contains '\(HumanOutput.safe($0))'" } ?? ""
        var lines = [
            "export: \(summary.contacts) contact\(summary.contacts == 1 ? "" : "s")\(matching) from the cache of \(HumanOutput.safe(cache))"
                + (synced ? "" : " (no request made)")
        ]
        if let completed = summary.lastCompleteSync {
            lines.append("  last complete sync: \(stamp(completed, now: now))")
        } else if let unfinished = summary.unfinishedSync {
            let of = unfinished.total.map { " of \($0)" } ?? ""
            lines.append(
                "  no complete sync: one started \(stamp(unfinished.startedAt, now: now)) stopped after \(unfinished.stored)\(of) contacts; --sync resumes it")
        } else {
            lines.append("  no complete sync: the cache holds only contacts looked up one by one; --sync copies all")
        }
        if let oldest = summary.oldestFetch, let newest = summary.newestFetch {
            lines.append(
                oldest == newest
                    ? "  fetched from the API \(stamp(oldest, now: now))"
                    : "  fetched from the API between \(stamp(oldest, now: now)) and \(stamp(newest, now: now))")
        }
        if summary.unsentEdits > 0 {
            lines.append("  includes \(summary.unsentEdits) edit(s) still in the outbox, not yet confirmed by the server (`minimo outbox list`)")
        }
        return lines
    }

    static func stamp(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let age: String
        switch seconds {
        case ..<60: age = "\(seconds) s ago"
        case ..<3600: age = "\(seconds / 60) min ago"
        case ..<172_800: age = "\(seconds / 3600) h ago"
        default: age = "\(seconds / 86400) days ago"
        }
        let formatter = ISO8601DateFormatter()
        return "\(formatter.string(from: date)) (\(age))"
    }
}

/// Where the export goes: stdout, or a file written atomically. The file is a temporary one
/// beside the target (`.NAME.minimo-XXXXXX`, created 0600 by `mkstemp`), renamed over the target
/// once complete and synced; an error, Ctrl-C, SIGTERM or a hang-up removes it, so no partial
/// export is ever left under the target's name (a SIGKILL can leave the hidden temporary file,
/// never a partial NAME).
final class ExportSink: @unchecked Sendable {
    private let fd: Int32
    private let target: String?
    private let temporary: String?
    /// Whether the temporary file is still open and under its temporary name.
    private var pending = false

    /// - Parameter path: the file, or nil (or `-`) for stdout.
    init(path: String?) throws {
        guard let path, path != "-" else {
            fd = STDOUT_FILENO
            target = nil
            temporary = nil
            return
        }
        let url = URL(fileURLWithPath: NSString(string: path).expandingTildeInPath)
        let directory = url.deletingLastPathComponent().path
        // The handlers read the name from the very buffer `mkstemp` fills in: before the file
        // exists they unlink a name that is not there, after it they unlink the file.
        guard let template = strdup(directory + "/." + url.lastPathComponent + ".minimo-XXXXXX") else {
            throw CLIError(.failure, "out of memory")
        }
        exportTemporaryPath = template
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { signal(signalNumber, exportInterrupted) }
        let descriptor = mkstemp(template)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            Self.restoreSignals()
            throw CLIError(.failure, "cannot create a file in \(HumanOutput.safe(directory)): \(reason)")
        }
        _ = fchmod(descriptor, 0o600)
        fd = descriptor
        target = url.path
        temporary = String(cString: template)
        pending = true
    }

    private static func restoreSignals() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { signal(signalNumber, SIG_DFL) }
        exportTemporaryPath = nil
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let count = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw CLIError(.failure, "cannot write the export to \(HumanOutput.safe(target ?? "stdout")): \(reason)")
                }
                offset += count
            }
        }
    }

    /// Makes the file durable and puts it under its name.
    func commit() throws {
        guard let target, let temporary, pending else { return }
        guard fsync(fd) == 0 else {
            throw CLIError(.failure, "cannot write the export to \(HumanOutput.safe(target)): \(String(cString: strerror(errno)))")
        }
        pending = false
        close(fd)
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            Self.restoreSignals()
            throw CLIError(.failure, "cannot put the export at \(HumanOutput.safe(target)): \(reason)")
        }
        Self.restoreSignals()
        let directory = open(URL(fileURLWithPath: target).deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Removes the temporary file after an error.
    func abandon() {
        guard let temporary, pending else { return }
        pending = false
        close(fd)
        unlink(temporary)
        Self.restoreSignals()
    }
}

/// The temporary file of an export under way, for the signal handler (a C string: the handler
/// may call only async-signal-safe functions).
nonisolated(unsafe) private var exportTemporaryPath: UnsafeMutablePointer<CChar>?

/// SIGINT, SIGTERM, SIGHUP during an export to a file: remove the temporary file, say so, and
/// end with 128 + the signal, as the signal would have.
private func exportInterrupted(_ signalNumber: Int32) {
    if let path = exportTemporaryPath { unlink(path) }
    let message: StaticString = "minimo: export interrupted; the output file was not written\n"
    _ = systemWrite(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
    _exit(128 + signalNumber)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}
