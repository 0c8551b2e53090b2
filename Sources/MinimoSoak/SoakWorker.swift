import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

/// The process the parent kills: performs the plan from `--from` through the real client, cache
/// and outbox, one operation at a time, and says `done N {tally}` on stdout after each.
///
/// An edit is "saved" once its outbox entry is committed (what the TUI reports as saved); the
/// worker then drains the outbox, as a save does. Resuming after a kill, it counts the outbox
/// entries: if operation N's entry is already there, the kill came after the save and N is not
/// queued a second time (the outbox, not the worker's memory, says what was saved).
struct SoakWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Perform the plan from an operation on (started and killed by `run`).")

    @Option(help: "The API base URL (the fault proxy).") var baseURL: String
    @Option(help: "The soak directory: plan.json and the cache database.") var directory: String
    @Option(help: "The first operation to perform.") var from = 0
    @Option(help: "Client timeout per request, in seconds.") var timeout = 0.4
    @Flag(help: "Only send what the outbox holds, until it is empty.") var drain = false

    func run() async throws {
        let folder = URL(fileURLWithPath: directory)
        let client = try MinimoClient(configuration: MinimoConfiguration(
            baseURL: URL(string: baseURL)!, apiKey: SoakRun.apiKey, timeout: timeout,
            retry: RetryPolicy(maxRetries: 3, baseDelay: 0.02, maxDelay: 0.2, maxRateLimitWait: 5)))
        let store = try ContactStore(
            client: client, databaseURL: folder.appendingPathComponent("cache.sqlite"), policy: FreshnessPolicy(ttl: 30, negativeTTL: 5))
        let tally = FaultTally()
        let updates = await client.recorder.updates()
        let counting = Task { for await exchange in updates { tally.count(exchange) } }
        defer { counting.cancel() }

        if drain {
            var rounds = 0
            while rounds < 100 {
                rounds += 1
                _ = await store.sendOutbox()
                if try await store.outbox(states: [.pending, .sending]).isEmpty { break }
            }
            Self.say("drained \(rounds) \(tally.json)")
            return
        }

        let plan = try SoakPlan.load(folder.appendingPathComponent("plan.json"))
        let writesBefore = plan.writesBefore
        let queued = try await store.outbox(states: Set(OutboxEntry.State.allCases)).count
        Self.say("start \(from) \(queued)")
        // As the TUI does on start: what an earlier run saved but did not send goes now.
        if try await !store.outbox(states: [.pending, .sending]).isEmpty { _ = await store.sendOutbox() }
        for index in from..<plan.operations.count {
            let operation = plan.operations[index]
            if operation.isWrite, writesBefore[index] < queued {
                // Saved before the kill: the outbox has it, and will send it.
                Self.say("done \(index) \(tally.json)")
                continue
            }
            try await perform(operation, store: store, tally: tally)
            Self.say("done \(index) \(tally.json)")
        }
        Self.say("finished")
    }

    private func perform(_ operation: SoakOperation, store: ContactStore, tally: FaultTally) async throws {
        let fields = operation.customFields.flatMap { try? JSONValue.parse(Data($0.utf8)).objectValue } ?? [:]
        let consent = MarketingConsent(email: operation.consentEmail, whatsapp: operation.consentWhatsapp)
        let id = ContactID(String(operation.contactID ?? 0))
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
            try await store.queueUpdate(contactID: id, ContactUpdate(customFields: fields, marketingConsent: consent))
        case .upsert:
            try await store.queueUpsert(ContactUpsert(email: operation.email ?? "", customFields: fields, marketingConsent: consent))
        case .delete:
            try await store.queueDelete(contactID: id)
        }
        _ = await store.sendOutbox()
    }

    /// One line on stdout, written at once (a kill must not lose a line the worker has said).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// What the client saw, attempt by attempt, sorted into the fault types of the soak.
final class FaultTally: @unchecked Sendable {
    enum Lookup { case answered, notFound, failed }

    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    static let keys = [
        "attempts", "ok", "http5xx", "http429", "html", "malformed", "timeout", "connection", "otherStatus",
        "lookupsAnswered", "lookupsNotFound", "lookupsFailed",
    ]

    func count(_ exchange: RawExchange) {
        let kind: String
        if let error = exchange.error {
            kind = error.contains("no answer from") ? "timeout" : "connection"
        } else if let status = exchange.status {
            let html = exchange.responseHeaders.contains {
                HTTPHeader.sameName($0.name, "Content-Type") && $0.value.lowercased().contains("text/html")
            }
            switch status {
            case _ where html: kind = "html"
            case 429: kind = "http429"
            case 500...599: kind = "http5xx"
            case 200..<300: kind = (try? JSONValue.parse(exchange.responseBody)) == nil ? "malformed" : "ok"
            default: kind = "otherStatus"
            }
        } else {
            kind = "connection"
        }
        lock.withLock {
            counts["attempts", default: 0] += 1
            counts[kind, default: 0] += 1
        }
    }

    func lookup(_ outcome: Lookup) {
        let key: String
        switch outcome {
        case .answered: key = "lookupsAnswered"
        case .notFound: key = "lookupsNotFound"
        case .failed: key = "lookupsFailed"
        }
        lock.withLock { counts[key, default: 0] += 1 }
    }

    /// `{"attempts":N,...}` with every key, in a fixed order.
    var json: String {
        let snapshot = lock.withLock { counts }
        return "{" + Self.keys.map { "\"\($0)\":\(snapshot[$0] ?? 0)" }.joined(separator: ",") + "}"
    }
}
