import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

#if canImport(Glibc)
    import Glibc
#endif

/// The process the parent kills: performs its share of the plan (`--worker`, see `SoakPlan`)
/// from `--from` through the real client, cache and outbox, one operation at a time, and says
/// `done N {tally}` on stdout after each. Every worker opens the same cache database and the
/// same quota ledger (`QuotaLedgerFile`, in the soak directory, named as the CLI names it), as
/// several `minimo` processes on one profile do.
///
/// An edit is "saved" once its outbox entry is committed (what the TUI reports as saved); the
/// worker then drains the outbox, as a save does (any worker's entries, not only its own).
/// Resuming after a kill, only the operation that was under way can be in doubt; the worker
/// looks for its entry in the outbox (by the `soak_op` marker of field edits and upserts; for a
/// consent change or a delete, by counting the entries of that kind for that contact, which only
/// this worker writes): if it is there, the kill came after the save and it is not queued a
/// second time (the outbox, not the worker's memory, says what was saved).
struct SoakWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Perform the plan from an operation on (started and killed by `run`).")

    @Option(help: "The API base URL (the fault proxy).") var baseURL: String
    @Option(help: "The soak directory: plan.json, the cache database and the quota ledger.") var directory: String
    @Option(help: "The first operation to perform (of this worker's share).") var from = 0
    @Option(help: "Which worker's share of the plan to perform.") var worker = 0
    @Option(help: "Client timeout per request, in seconds.") var timeout = 0.4
    @Flag(help: "Only send what the outbox holds, until it is empty.") var drain = false
    @Flag(help: "Append every attempt (times, status, quota headers) to trace.log in the soak directory.") var trace = false

    /// The shared quota ledger of the soak's key at `baseURL`, in the soak directory.
    static func ledgerPath(directory: URL, baseURL: URL) -> String {
        directory.appendingPathComponent(QuotaLedgerFile.fileName(baseURL: baseURL, apiKey: SoakRun.apiKey)).path
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: directory)
        let base = URL(string: baseURL)!
        let client = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: base, apiKey: SoakRun.apiKey, timeout: timeout,
            retry: RetryPolicy(maxRetries: 3, baseDelay: 0.02, maxDelay: 0.2, maxRateLimitWait: 5),
            gate: QuotaGate.Configuration(ledgerPath: Self.ledgerPath(directory: folder, baseURL: base))))
        let store = try ContactStore(
            client: client, databaseURL: folder.appendingPathComponent("cache.sqlite"), policy: FreshnessPolicy(ttl: 30, negativeTTL: 5))
        let tally = FaultTally()
        let updates = await client.recorder.updates()
        let tracer = trace ? ExchangeTrace(path: folder.appendingPathComponent("trace.log").path, worker: drain ? -1 : worker) : nil
        let counting = Task {
            for await exchange in updates {
                tally.count(exchange)
                tracer?.write(exchange)
            }
        }
        defer { counting.cancel() }

        if drain {
            // Several drainers may run at once: one that finds everything held by the others
            // waits a little before it looks again.
            var rounds = 0
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                rounds += 1
                let report = await store.sendOutbox()
                tally.note(report)
                if try await store.outbox(states: [.pending, .sending]).isEmpty { break }
                if report.sent == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            Self.say("drained \(rounds) \(tally.json)")
            return
        }

        let plan = try SoakPlan.load(folder.appendingPathComponent("plan.json"))
        var state = WorkerState(plan: plan, entries: try await store.outbox(states: Set(OutboxEntry.State.allCases)))
        let mine = plan.indices(of: worker).filter { $0 >= from }
        // Only the operation under way when the last run was killed can be in doubt.
        var skip: Int?
        if let first = mine.first(where: { plan.operations[$0].isWrite }), try await state.isQueued(first, store: store) {
            skip = first
        }
        Self.say("start \(from) \(skip.map(String.init) ?? "-")")
        // As the TUI does on start: what an earlier run saved but did not send goes now.
        if try await !store.outbox(states: [.pending, .sending]).isEmpty { tally.note(await store.sendOutbox()) }
        for index in mine {
            if index != skip {
                try await perform(index, plan.operations[index], store: store, state: &state, tally: tally)
            }
            Self.say("done \(index) \(tally.json)")
        }
        Self.say("finished")
    }

    private func perform(
        _ index: Int, _ operation: SoakOperation, store: ContactStore, state: inout WorkerState, tally: FaultTally
    ) async throws {
        let fields = operation.customFields.flatMap { try? JSONValue.parse(Data($0.utf8)).objectValue } ?? [:]
        let consent = MarketingConsent(email: operation.consentEmail, whatsapp: operation.consentWhatsapp)
        switch operation.kind {
        case .lookup:
            do {
                _ = try await store.contact(email: operation.email ?? "", refresh: operation.refresh ?? false)
                tally.lookup(.answered)
            } catch let error as MinimoError where error.kind == .notFound {
                tally.lookup(.notFound)
            } catch {
                tally.lookup(.failed)
            }
            return
        case .editFields, .setConsent:
            let id = try await state.contactID(for: operation, store: store, tally: tally)
            try await store.queueUpdate(contactID: id, ContactUpdate(customFields: fields, marketingConsent: consent))
        case .upsert:
            let entry = try await store.queueUpsert(
                ContactUpsert(email: operation.email ?? "", customFields: fields, marketingConsent: consent))
            state.upserts[index] = entry.seq
        case .delete:
            let id = try await state.contactID(for: operation, store: store, tally: tally)
            try await store.queueDelete(contactID: id)
        }
        tally.note(await store.sendOutbox())
    }

    /// One line on stdout, written at once (a kill must not lose a line the worker has said).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// What a worker knows of the outbox: where its upserts are, and the ids of the contacts they
/// created.
struct WorkerState {
    let plan: SoakPlan
    /// Outbox sequence numbers of upserts, by plan index (from their `soak_op` marker).
    var upserts: [Int: Int64] = [:]
    /// Server ids of contacts the soak created, by the index of the creating upsert.
    var created: [Int: ContactID] = [:]
    /// The outbox as it was when this run started.
    let entries: [OutboxEntry]

    init(plan: SoakPlan, entries: [OutboxEntry]) {
        self.plan = plan
        self.entries = entries
        for entry in entries where entry.kind == .upsert {
            guard let marker = SoakVerdict.marker(of: entry) else { continue }
            upserts[marker] = entry.seq
            if entry.state == .done, let id = entry.contactID { created[marker] = id }
        }
    }

    /// Whether operation `index` (a write) is already in the outbox.
    mutating func isQueued(_ index: Int, store: ContactStore) async throws -> Bool {
        let operation = plan.operations[index]
        switch operation.kind {
        case .lookup:
            return false
        case .editFields:
            return entries.contains { $0.kind == .update && SoakVerdict.marker(of: $0) == index }
        case .upsert:
            return upserts[index] != nil
        case .setConsent, .delete:
            // Not queued if its contact's id is not known yet: it is read before queueing.
            guard let id = knownContactID(for: operation) else { return false }
            let kind: OutboxEntry.Kind = operation.kind == .delete ? .delete : .update
            let queued = entries.filter {
                $0.kind == kind && $0.contactID == id && (kind == .delete || SoakVerdict.marker(of: $0) == nil)
            }.count
            let planned = plan.operations[..<index].filter {
                $0.kind == operation.kind && $0.contactID == operation.contactID && $0.workerIndex == operation.workerIndex
            }.count
            return queued > planned
        }
    }

    /// The contact's server id, if known without asking: always with one worker (predicted) and
    /// for seeded contacts; for a created one, once its upsert is sent.
    func knownContactID(for operation: SoakOperation) -> ContactID? {
        guard plan.workers > 1, let creator = operation.createdBy else { return ContactID(String(operation.contactID ?? 0)) }
        return created[creator]
    }

    /// The contact's server id. For a contact the soak created (with several workers), this
    /// follows the creating upsert until it is sent, by whichever process (a user looks a new
    /// contact up before editing it by id); it sends it if need be.
    mutating func contactID(for operation: SoakOperation, store: ContactStore, tally: FaultTally) async throws -> ContactID {
        if let known = knownContactID(for: operation) { return known }
        guard let creator = operation.createdBy, let seq = upserts[creator] else {
            throw SoakError("operation \(operation) addresses a contact whose upsert is not in the outbox")
        }
        tally.add("createdIDWaits")
        for _ in 0..<500 {
            if let entry = try await store.outboxEntry(seq), entry.state == .done, let id = entry.contactID {
                created[creator] = id
                return id
            }
            switch try await store.sendOutbox(following: seq) {
            case .sent(let answer), .sentByOtherProcess(let answer, _):
                if let id = answer.contactID {
                    created[creator] = id
                    return id
                }
            case .conflict(let entry), .refused(let entry):
                throw SoakError("the upsert of operation \(creator) was not applied: \(entry.state) \(entry.lastError ?? "")")
            case .dropped:
                throw SoakError("the upsert of operation \(creator) left the outbox")
            case .deferred, .stillSendingElsewhere:
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        throw SoakError("the upsert of operation \(creator) was still not sent after 500 drains")
    }
}

/// `--trace`: one line per attempt, appended (O_APPEND) to a file all workers share:
/// `start end pid worker method path status|error remaining reset retry-after`.
final class ExchangeTrace: @unchecked Sendable {
    private let descriptor: Int32
    private let worker: Int

    init?(path: String, worker: Int) {
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        self.worker = worker
        if descriptor < 0 { return nil }
    }

    deinit { close(descriptor) }

    func write(_ exchange: RawExchange) {
        func header(_ name: String) -> String {
            exchange.responseHeaders.first { HTTPHeader.sameName($0.name, name) }?.value ?? "-"
        }
        let start = exchange.startedAt.timeIntervalSince1970
        let outcome = exchange.status.map(String.init) ?? (exchange.error.map { _ in exchange.failure == .timedOut ? "timeout" : "reset" } ?? "none")
        let path = exchange.url.split(separator: "/", maxSplits: 3).last.map(String.init) ?? exchange.url
        let line = String(
            format: "%.4f %.4f %d %d %@ %@ %@ %@ %@ %@\n", start, start + exchange.duration, getpid(), worker, exchange.method, path,
            outcome, header("X-RateLimit-Remaining"), header("X-RateLimit-Reset"), header("Retry-After"))
        _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(descriptor, $0.baseAddress, $0.count - 1) }
    }
}

/// What the client saw, attempt by attempt, sorted into the fault types of the soak; and what
/// the outbox drains reported.
final class FaultTally: @unchecked Sendable {
    enum Lookup { case answered, notFound, failed }

    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    static let keys = [
        "attempts", "ok", "http5xx", "http429", "http429Window", "html", "malformed", "timeout", "connection", "otherStatus",
        "windowSpent", "lookupsAnswered", "lookupsNotFound", "lookupsFailed", "takenOver", "lostClaims", "heldElsewhere",
        "createdIDWaits",
    ]

    func count(_ exchange: RawExchange) {
        let kind: String
        if exchange.error != nil {
            kind = exchange.failure == .timedOut ? "timeout" : "connection"
        } else if let status = exchange.status {
            let html = exchange.responseHeaders.contains {
                HTTPHeader.sameName($0.name, "Content-Type") && $0.value.lowercased().contains("text/html")
            }
            switch status {
            case _ where html: kind = "html"
            // The sandbox's injected 429s say `Retry-After: 0`; a spent window says at least 1.
            case 429: kind = Self.header(exchange, "Retry-After") == "0" ? "http429" : "http429Window"
            case 500...599: kind = "http5xx"
            case 200..<300: kind = (try? JSONValue.parse(exchange.responseBody)) == nil ? "malformed" : "ok"
            default: kind = "otherStatus"
            }
        } else {
            kind = "connection"
        }
        // An answer that took the window's last request: the gate must hold everyone until the reset.
        let spent = exchange.status != 429 && Self.header(exchange, "X-RateLimit-Remaining") == "0"
        lock.withLock {
            counts["attempts", default: 0] += 1
            counts[kind, default: 0] += 1
            if spent { counts["windowSpent", default: 0] += 1 }
        }
    }

    private static func header(_ exchange: RawExchange, _ name: String) -> String? {
        exchange.responseHeaders.first { HTTPHeader.sameName($0.name, name) }?.value.trimmingCharacters(in: .whitespaces)
    }

    func note(_ report: OutboxReport) {
        lock.withLock {
            counts["takenOver", default: 0] += report.takenOver
            counts["lostClaims", default: 0] += report.lostClaims
            counts["heldElsewhere", default: 0] += report.heldElsewhere.count
        }
    }

    func add(_ key: String, _ amount: Int = 1) {
        lock.withLock { counts[key, default: 0] += amount }
    }

    func lookup(_ outcome: Lookup) {
        let key: String
        switch outcome {
        case .answered: key = "lookupsAnswered"
        case .notFound: key = "lookupsNotFound"
        case .failed: key = "lookupsFailed"
        }
        add(key)
    }

    /// `{"attempts":N,...}` with every key, in a fixed order.
    var json: String {
        let snapshot = lock.withLock { counts }
        return "{" + Self.keys.map { "\"\($0)\":\(snapshot[$0] ?? 0)" }.joined(separator: ",") + "}"
    }
}
