import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

#if canImport(Glibc)
    import Glibc
#endif

/// `minimo import FILE`: contacts from a CSV or JSON Lines file, validated and planned before
/// anything is sent, then sent through the outbox at background priority, resumable.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import contacts from a CSV (header row) or JSON Lines file, as upserts by email; resumable.",
        discussion: """
            Columns: email (required), phone (E.164), consent_email and consent_whatsapp (on/off, yes/no, \
            true/false, 1/0), and custom fields by key or display name, ignoring case (or field:KEY); id is \
            ignored. This is what `minimo export --format csv` writes. An empty cell leaves a field \
            unchanged; with --unset-empty COLUMN an empty cell in that column deletes the field. CSV: `,` `;` \
            or tab separators, a byte-order mark, quoted cells with line breaks; UTF-8, or Windows-1252 / \
            Latin-1 with --latin1.

            Every row is validated first (email, phone, field types against the definitions, duplicate \
            emails, control characters); rejected rows go to the rejects file with their line and reason, \
            and nothing of them is sent. The plan (rows to create, update, leave unchanged, requests, ETA) \
            is printed first; --dry-run stops there. Rows equal to a fresh cached copy cost nothing.

            The rows go through the outbox at background priority (the quota gate keeps 20% of the limit \
            for interactive use, in any minimo process), with idempotency keys derived from the file's \
            content and the row. Stop it any way (Ctrl-C, kill -9, a lost SSH connection) and run the same \
            command again: it resumes, and no row is applied twice.

            Exit status: 0 every row applied or unchanged; 7 some rows rejected (the others were imported); \
            6 network or server trouble (the rest stays queued: run the same command again); 130 stopped by \
            Ctrl-C (the same); 2 the file cannot be imported as given (encoding, unknown columns).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The CSV or JSON Lines (.jsonl, .ndjson) file.")
    var file: String

    @Flag(help: "Validate and print the plan (and the rejects file); send nothing.")
    var dryRun = false

    @Option(name: .customLong("map"), help: ArgumentHelp("Read COLUMN as FIELD (email, phone, consent_email, consent_whatsapp, a custom field's key or display name). Repeatable.", valueName: "column=field"))
    var maps: [String] = []

    @Option(name: .customLong("skip"), help: ArgumentHelp("Leave COLUMN out. Repeatable.", valueName: "column"))
    var skips: [String] = []

    @Option(name: .customLong("unset-empty"), help: ArgumentHelp("In this custom-field column, an empty cell deletes the field (sent as null) instead of leaving it unchanged. Repeatable.", valueName: "column"))
    var unsetEmpty: [String] = []

    @Flag(help: "The file is Latin-1 / Windows-1252 (Excel on Windows): convert it to UTF-8 as it is read.")
    var latin1 = false

    @Option(help: ArgumentHelp("Where to write the rejected rows (default: FILE with .rejects.csv, or .rejects.jsonl, in place of its extension).", valueName: "path"))
    var rejects: String?

    @Option(help: ArgumentHelp("Requests in flight at once, 1 to 16 (the quota gate paces them all).", valueName: "n"))
    var concurrency = 4

    func validate() throws {
        for map in maps {
            guard let equals = map.firstIndex(of: "="), equals != map.startIndex, map.index(after: equals) != map.endIndex else {
                throw ValidationError("--map expects COLUMN=FIELD, got '\(map)'")
            }
        }
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 16") }
    }

    func run() async throws {
        let started = Date()
        let importFile: ImportFile
        do {
            importFile = try ImportFile.read(path: file, latin1: latin1)
        } catch let error as ImportError {
            throw CLIError(.usage, HumanOutput.safe(error.message))
        }
        let context = try APIContext(global)
        if !dryRun { try context.requireWritable("import") }
        var overrides = ImportMapping.Overrides(skips: skips, unsetEmpty: unsetEmpty)
        for map in maps {
            let equals = map.firstIndex(of: "=")!
            overrides.maps[String(map[..<equals]).trimmingCharacters(in: .whitespaces)] =
                String(map[map.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        let plan: ImportPlan
        do {
            plan = try await context.store.planImport(importFile, overrides: overrides)
        } catch let error as ImportError {
            throw CLIError(.usage, HumanOutput.safe(error.message))
        }
        let rejectsPath = rejects ?? ImportRejects.defaultPath(for: importFile)
        let quota = await context.client.gate.current
        let reserve = context.client.configuration.gate.backgroundReserve
        ImportOutput.plan(plan, quota: quota, reserve: reserve, rejectsPath: rejectsPath)
        try writeRejects(plan, refused: [:], to: rejectsPath)
        if dryRun {
            print("dry run: nothing sent, nothing queued")
            if !plan.rejectedRows.isEmpty { throw CLIError(.validation, "\(plan.rejectedRows.count) row(s) would be rejected; see \(rejectsPath)") }
            return
        }

        let display = ProgressDisplay(total: plan.requests, tty: isatty(STDERR_FILENO) == 1, reserve: reserve)
        let store = context.store
        // The quota as every answer leaves it: the bar's ETA is the later of the current rate's
        // and the quota's (a fast start must not promise 8 s when the window caps the rest).
        let quotaWatch = Task { for await status in store.client.quotaUpdates() { display.quota(status.snapshot) } }
        defer { quotaWatch.cancel() }
        let concurrency = self.concurrency
        let work = Task { try await store.runImport(plan, concurrency: concurrency) { display.update($0) } }
        let signals = SignalStop.install([SIGINT, SIGTERM, SIGHUP]) { work.cancel() }
        let report: ImportReport
        do {
            report = try await work.value
        } catch is CancellationError {
            // Stopped before the rows were even queued: nothing was sent.
            display.finish()
            FileHandle.standardError.write(Data("minimo: import stopped before sending; run the same command again to import\n".utf8))
            Glibc.exit(128 + (signals.received ?? SIGINT))
        } catch {
            signals.remove()
            display.finish()
            throw error
        }
        signals.remove()
        display.finish()
        await context.printQuota()
        if !report.refusedByServer.isEmpty {
            try writeRejects(plan, refused: report.refusedByServer, to: rejectsPath)
        }
        ImportOutput.report(report, seconds: Date().timeIntervalSince(started))
        if let stopped = report.stoppedBy {
            let resume = "\(report.stillQueued) row(s) stay queued; run the same command again to send them (rows already applied are not sent again)"
            if stopped == "cancelled" || signals.received != nil {
                FileHandle.standardError.write(Data("minimo: import stopped: \(resume)\n".utf8))
                Glibc.exit(128 + (signals.received ?? SIGINT))
            }
            throw CLIError(report.stoppedByCache ? .failure : .network, "import stopped: \(HumanOutput.safe(stopped)). \(resume)")
        }
        if report.rejected > 0 {
            throw CLIError(.validation, "\(report.rejected) row(s) rejected; see \(rejectsPath)")
        }
    }

    private func writeRejects(_ plan: ImportPlan, refused: [Int: String], to path: String) throws {
        var entries: [ImportRejects.Entry] = plan.rejectedRows.compactMap { row in
            guard case .rejected(let problems) = row.action else { return nil }
            return ImportRejects.Entry(record: row.record, problems: problems)
        }
        for row in plan.rows {
            if case .refusedEarlier(let reason) = row.action, refused[row.record.line] == nil {
                entries.append(ImportRejects.Entry(record: row.record, problems: [ImportProblem(column: nil, reason: reason)]))
            }
            if let reason = refused[row.record.line] {
                entries.append(ImportRejects.Entry(record: row.record, problems: [ImportProblem(column: nil, reason: reason)]))
            }
        }
        guard !entries.isEmpty else { return }
        entries.sort { $0.record.line < $1.record.line }
        do {
            try ImportRejects.write(entries, file: plan.file, to: path)
        } catch let error as ImportError {
            throw CLIError(.failure, error.message)
        }
    }
}

/// The plan and the report, as people read them.
enum ImportOutput {
    static func number(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func plan(_ plan: ImportPlan, quota: QuotaSnapshot?, reserve: Double, rejectsPath: String) {
        let file = plan.file
        var notes: [String] = [file.format.rawValue]
        if let separator = file.separator {
            notes.append("separator " + (separator == "\t" ? "tab" : "'\(separator)'"))
        }
        if file.hadByteOrderMark { notes.append("byte-order mark") }
        if file.convertedFromLatin1 { notes.append("converted from Windows-1252") }
        print("import \(HumanOutput.safe(file.path)): \(number(plan.rows.count)) rows (\(notes.joined(separator: ", ")))")
        let mapped = plan.mapping.columns.filter { $0.target != .ignored }.map { column -> String in
            let name = HumanOutput.safe(column.name)
            let target = HumanOutput.safe(column.target.name)
            return name == target ? name : "\(name) → \(target)"
        }
        print("  columns   \(mapped.joined(separator: ", "))" + (plan.mapping.unsetEmpty.isEmpty ? "" : "; empty cells delete: \(plan.mapping.unsetEmpty.sorted().map(HumanOutput.safe).joined(separator: ", "))"))
        let sync = plan.lastCompleteSync.map { "the cache had a complete sync \(ago($0))" } ?? "the cache has had no complete sync"
        var rows: [(String, String)] = [
            ("to create", "\(number(plan.count { $0 == .create })) (not in the cache: \(sync))"),
            ("to update", "\(number(plan.count { $0 == .update })) (cached and different)"),
        ]
        let byPhone = plan.count { if case .updateByPhone = $0 { return true } else { return false } }
        if byPhone > 0 { rows.append(("by phone", "\(number(byPhone)) (another cached contact has the phone: the server updates it and gives it the row's email)")) }
        let stale = plan.count { $0 == .stale }
        if stale > 0 { rows.append(("to check", "\(number(stale)) (cached and equal, but older than --ttl: sent; `minimo sync` first makes them free)")) }
        let unknown = plan.count { $0 == .unknown }
        if unknown > 0 { rows.append(("unknown", "\(number(unknown)) (not cached, and no complete sync to say they are new: sent as upserts; `minimo sync` first tells)")) }
        rows.append(("unchanged", "\(number(plan.count { $0 == .unchanged })) (cached within --ttl and equal: 0 requests)"))
        rows.append(("rejected", "\(number(plan.rejectedRows.count))" + (plan.rejectedRows.isEmpty ? "" : " (see \(HumanOutput.safe(rejectsPath)))")))
        let queued = plan.count { $0 == .queuedEarlier }
        let applied = plan.count { if case .appliedEarlier = $0 { return true } else { return false } }
        let refused = plan.count { if case .refusedEarlier = $0 { return true } else { return false } }
        if queued + applied + refused > 0 {
            rows.append(("earlier run", "\(number(applied)) applied, \(number(refused)) refused by the server, \(number(queued)) queued and sent now"))
        }
        print(HumanOutput.table(rows))
        print("  requests  \(number(plan.requests)) upserts (POST /contacts) at background priority" + (plan.fetchedDefinitions ? ", after 1 for the field definitions" : ""))
        print("  ETA       \(eta(requests: plan.requests, quota: quota, reserve: reserve))")
        for row in plan.rejectedRows.prefix(20) {
            guard case .rejected(let problems) = row.action else { continue }
            let text = problems.map { ($0.column.map { "\($0): " } ?? "") + $0.reason }.joined(separator: "; ")
            FileHandle.standardError.write(Data("line \(row.record.line): \(HumanOutput.safe(text))\n".utf8))
        }
        if plan.rejectedRows.count > 20 {
            FileHandle.standardError.write(Data("… and \(plan.rejectedRows.count - 20) more rejected rows in \(HumanOutput.safe(rejectsPath))\n".utf8))
        }
    }

    static func eta(requests: Int, quota: QuotaSnapshot?, reserve: Double) -> String {
        QuotaETA(requests: requests, quota: quota, reserve: reserve).explained
    }

    static func duration(_ seconds: Double) -> String { QuotaETA.duration(seconds) }

    static func ago(_ date: Date) -> String {
        "\(duration(max(0, Date().timeIntervalSince(date)))) ago"
    }

    static func report(_ report: ImportReport, seconds: Double) {
        var line = "imported \(number(report.rows)) rows: \(number(report.created)) created, \(number(report.updated)) updated, \(number(report.unchanged)) unchanged, \(number(report.rejected)) rejected"
        if report.stillQueued > 0 { line += ", \(number(report.stillQueued)) still queued" }
        print(line)
        if report.appliedEarlier > 0 { print("  \(number(report.appliedEarlier)) of them applied by an earlier run of this file") }
        if !report.refusedByServer.isEmpty { print("  \(number(report.refusedByServer.count)) refused by the server (in the rejects file)") }
        print("  \(number(report.sentNow)) rows sent in \(duration(seconds))")
    }
}

/// The progress of a run on stderr: on a terminal a bar redrawn in place at most 10 times a
/// second (rows sent/total, rate, ETA); otherwise a plain line every 5 seconds.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let tty: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var latest: ImportProgress?
    /// (time, rows sent) samples of the last 10 s, for the rate.
    private var samples: [(Date, Int)] = []
    private let reserve: Double
    private var snapshot: QuotaSnapshot?
    /// The longest time to a reset an answer gave: the window's length, nearly.
    private var observedWindow: Double?

    init(total: Int, tty: Bool, reserve: Double) {
        self.total = total
        self.tty = tty
        self.reserve = reserve
    }

    func quota(_ snapshot: QuotaSnapshot?) {
        lock.withLock {
            guard let snapshot else { return }
            self.snapshot = snapshot
            if let reset = snapshot.resetAt { observedWindow = max(observedWindow ?? 0, reset.timeIntervalSince(snapshot.observedAt)) }
        }
    }

    func update(_ progress: ImportProgress) {
        lock.withLock {
            let now = Date()
            latest = progress
            samples.append((now, progress.sent))
            samples.removeAll { now.timeIntervalSince($0.0) > 10 }
            let interval: TimeInterval = tty ? 0.1 : 5
            guard now.timeIntervalSince(lastDraw) >= interval || progress.sent == progress.total else { return }
            lastDraw = now
            draw(progress, now: now)
        }
    }

    func finish() {
        lock.withLock {
            if let latest, tty {
                draw(latest, now: Date())
                Self.write("\n")
            }
        }
    }

    private func draw(_ progress: ImportProgress, now: Date) {
        let rate: Double
        if let first = samples.first, now.timeIntervalSince(first.0) > 0.5 {
            rate = Double(progress.sent - first.1) / now.timeIntervalSince(first.0)
        } else {
            rate = Double(progress.sent) / max(0.001, now.timeIntervalSince(started))
        }
        let left = max(0, total - progress.sent)
        var seconds = rate > 0 ? Double(left) / rate : nil
        if case .seconds(let wait) = QuotaETA(requests: left, quota: snapshot, reserve: reserve, now: now, observedWindow: observedWindow).estimate {
            seconds = max(seconds ?? 0, wait)
        }
        let eta = left == 0 ? "done" : seconds.map { "ETA " + ImportOutput.duration($0) } ?? "ETA waiting for the quota"
        let refused = progress.refused > 0 ? " · \(progress.refused) refused" : ""
        let figures = "\(ImportOutput.number(progress.sent))/\(ImportOutput.number(total)) rows · \(String(format: "%.0f", rate))/s · \(eta)\(refused)"
        if tty {
            let width = 30
            let filled = total > 0 ? min(width, progress.sent * width / total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            Self.write("\r\u{1B}[K[\(bar)] \(figures)")
        } else {
            Self.write("import: \(figures)\n")
        }
    }

    /// write(2), ignoring errors: after a hang-up the terminal is gone, and that must not stop
    /// the import from leaving in order.
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// Turns SIGINT, SIGTERM and SIGHUP into a clean stop: the first one runs `stop` (the import's
/// task is cancelled, its claims released, what is left stays queued); a second one ends the
/// process at once (the entries it held are taken over by the next run).
final class SignalStop: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var signal: Int32?

    var received: Int32? { lock.withLock { signal } }

    static func install(_ signals: [Int32], stop: @escaping @Sendable () -> Void) -> SignalStop {
        let handler = SignalStop()
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let first = handler.lock.withLock { () -> Bool in
                    defer { if handler.signal == nil { handler.signal = number } }
                    return handler.signal == nil
                }
                if first {
                    ProgressDisplay.write("\nminimo: stopping the import (the rows not sent stay queued; a second signal ends it at once)\n")
                    stop()
                } else {
                    Glibc._exit(128 + number)
                }
            }
            source.resume()
            handler.sources.append(source)
        }
        return handler
    }

    func remove() {
        for source in sources { source.cancel() }
        sources = []
    }
}
