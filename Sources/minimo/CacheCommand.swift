import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect or clear the local cache of this profile.",
        subcommands: [Stats.self, Clear.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the cache holds.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = try APIContext(global)
            let stats = try await context.store.stats()
            let outbox = OutboxEntry.State.allCases.filter { $0 != .done }.map { "\(stats.outbox[$0] ?? 0) \($0.rawValue)" }
            print(HumanOutput.table([
                ("database", HumanOutput.safe(stats.path)),
                ("size", ByteCountFormatter.string(fromByteCount: stats.databaseBytes, countStyle: .file)),
                ("contacts", "\(stats.contacts) (\(stats.staleContacts) older than the TTL)"),
                ("known missing", "\(stats.rememberedMissing)"),
                ("field definitions", "\(stats.fieldDefinitions)"),
                ("outbox", outbox.joined(separator: ", ")),
                ("exchanges", "\(stats.exchanges) stored"),
                ("last sync", stats.lastSync.map { ISO8601DateFormatter().string(from: $0) } ?? "never"),
            ], indent: 0))
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget cached contacts, definitions and exchanges (unsent edits are kept).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = try APIContext(global)
            try await context.store.clear()
            let kept = try await context.store.outbox().count
            print("cache cleared" + (kept > 0 ? "; \(kept) unsent edit(s) kept in the outbox" : ""))
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Edits waiting to reach the server: list, retry, resolve, drop.",
        discussion: """
            Every edit is written here before any request, with its idempotency key, so a crash or a lost \
            connection loses nothing and a retry never applies an edit twice.
            """,
        subcommands: [List.self, Retry.self, Resolve.self, Drop.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unsent edits, oldest first.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = try APIContext(global)
            let entries = try await context.store.outbox()
            if entries.isEmpty {
                print("outbox empty: every edit has reached the server")
                return
            }
            for entry in entries {
                let target = entry.contactID.map { "contact \($0.rawValue)" } ?? entry.email ?? "?"
                var line = "\(entry.seq)\t\(entry.state.rawValue)\t\(entry.kind.rawValue) \(HumanOutput.safe(target))\t\(HumanOutput.safe(entry.body.jsonText))"
                if entry.state == .sending, let claim = entry.claim {
                    line += "\n\t" + Self.describe(claim, now: Date())
                }
                if let error = entry.lastError { line += "\n\tlast error: \(HumanOutput.safe(error))" }
                if let server = entry.serverValues, !server.isEmpty {
                    line += "\n\ton the server now: \(HumanOutput.safe(JSONValue.object(server).jsonText))"
                    line += "\n\twhen the edit began: \(HumanOutput.safe(JSONValue.object(entry.base ?? [:]).jsonText))"
                }
                print(line)
            }
        }

        /// Who holds a `sending` entry: the process, whether it is still running, and the lease.
        static func describe(_ claim: OutboxClaim, now: Date) -> String {
            let whose = claim.pid == getpid() ? "this process" : "minimo process \(claim.pid)"
            let lease = claim.until.map { until in
                until > now
                    ? "lease ends in \(Int(until.timeIntervalSince(now).rounded(.up))) s"
                    : "lease ran out \(Int(now.timeIntervalSince(until))) s ago"
            } ?? "no lease"
            if !claim.processIsAlive {
                return "being sent by \(whose), which is no longer running: the next send takes it over (same idempotency key)"
            }
            if claim.hasExpired(at: now) {
                return "being sent by \(whose), running, but its \(lease): the next send takes it over (same idempotency key)"
            }
            return "being sent by \(whose), running (\(lease))"
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send queued edits now; with an id, put a failed entry back first (--force sends a held conflict).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "An outbox entry id (from `outbox list`).") var id: Int64?
        @Flag(help: "Send a held conflict anyway, over the server's newer values.") var force = false

        func run() async throws {
            let context = try APIContext(global)
            try context.requireWritable("outbox retry")
            if let id {
                if force { try await context.store.overrideConflict(id) } else { try await context.store.retryOutboxEntry(id) }
            }
            let report = await context.store.sendOutbox()
            await context.printQuota()
            var summary = "sent \(report.sent), refused \(report.failed), held as conflicts \(report.conflicts), still queued \(report.deferred)"
            if report.leftToOtherProcesses > 0 {
                summary += ", left to other minimo processes \(report.leftToOtherProcesses) (they are sending them)"
            }
            if report.leftToQueuers > 0 {
                summary += ", left to the running imports that queued them \(report.leftToQueuers)"
            }
            print(summary)
            if let stopped = report.stoppedBy {
                throw CLIError(.network, "stopped: \(HumanOutput.safe(stopped)); the rest stays queued")
            }
            if report.failed + report.conflicts > 0 { throw CLIError(.validation, "see `minimo outbox list`") }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide a held conflict (or a refused edit): --mine sends it anyway, --theirs drops it and keeps the server's values.",
            discussion: """
                --mine re-bases the edit on the server's current values and sends it (it is checked again, so a \
                third change meanwhile is held again, never overwritten); for a refused edit it sends it again as it \
                is. --theirs drops the edit, writes nothing, and fetches the contact again. Exit 0 when done, 7 when \
                --mine is held again or refused, 6 when the network failed (the edit stays queued).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The outbox entry id (from `outbox list`).") var id: Int64
        @Flag(help: "Send my edit anyway.") var mine = false
        @Flag(help: "Drop my edit; keep the server's values.") var theirs = false

        func validate() throws {
            guard mine != theirs else { throw ValidationError("say which to keep: --mine or --theirs") }
        }

        func run() async throws {
            let context = try APIContext(global)
            try context.requireWritable("outbox resolve")
            let resolution: OutboxResolution
            do {
                resolution = mine ? try await context.store.resolveKeepingMine(id) : try await context.store.resolveTakingTheirs(id)
            } catch let error as MinimoError where error.kind == .notFound {
                throw CLIError(.usage, HumanOutput.safe(error.message))
            }
            await context.printQuota()
            switch resolution {
            case .sent(let answer):
                print("kept mine: outbox entry \(id) sent (HTTP \(answer.status))")
            case .notSent(let state, let reason):
                let text = "outbox entry \(id) not sent (\(state.rawValue)): \(HumanOutput.safe(reason))"
                throw CLIError(state == .pending || state == .sending ? .network : .validation, text)
            case .tookTheirs(let contact):
                print("kept theirs: outbox entry \(id) dropped, nothing written")
                if let contact {
                    print("on the server now: \(HumanOutput.safe(JSONValue.object(contact.customFields).jsonText))")
                }
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget an unsent edit.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The outbox entry id.") var id: Int64

        func run() async throws {
            let context = try APIContext(global)
            try await context.store.dropOutboxEntry(id)
            print("dropped outbox entry \(id)")
        }
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Copy every contact into the local cache (GET /contacts, 100 a page), resumable.",
        discussion: """
            Runs at background priority: the quota gate keeps 20% of the limit for interactive use and waits \
            for the reset rather than cause a 429. An interrupted sync resumes from the next page. If the \
            server has no listing, says so and exits 0.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try APIContext(global)
        _ = try await Self.perform(context, tty: isatty(STDOUT_FILENO) == 1) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// The sync itself, shared with `minimo export --sync`: progress (a bar on a terminal, a
    /// line per page otherwise) and the summary go to `write`, the quota to stderr.
    static func perform(_ context: APIContext, tty: Bool, write: @escaping @Sendable (String) -> Void) async throws -> SyncReport {
        let report = try await context.store.sync { progress in
            let total = progress.total.map { "/\($0)" } ?? ""
            if tty {
                let fraction = progress.total.map { $0 > 0 ? Double(progress.stored) / Double($0) : 1 } ?? 0
                let filled = Int(fraction * 30)
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
                write("\r[\(bar)] \(progress.stored)\(total) contacts, page \(progress.page)")
            } else {
                write("page \(progress.page)\(progress.totalPages.map { "/\($0)" } ?? ""): \(progress.stored)\(total) contacts\n")
            }
        }
        if tty { write("\n") }
        await context.printQuota()
        if !report.listingAvailable {
            write("listing not available on this server: nothing to sync (look contacts up by email instead)\n")
            return report
        }
        let resumed = report.startPage > 1 ? " (resumed at page \(report.startPage))" : ""
        write("synced \(report.stored) contacts in \(report.requests) requests\(resumed)\n")
        return report
    }
}
