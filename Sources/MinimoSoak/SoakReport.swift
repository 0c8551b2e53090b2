import Foundation
import MinimoKit
import MinimoSandbox

/// The printed end of a soak run.
struct SoakReport {
    var operations: Int
    var workers: Int
    var seed: UInt64
    var killEvery: Int
    var rateLimit: RateLimitRule
    var runs: WorkerRuns
    var plan: SoakPlan
    var tally: [String: Int]
    var sandboxStats: JSONValue
    var proxy: FaultProxy.Counts
    var verdict: SoakVerdict
    var planSeconds: Double
    var totalSeconds: Double
    var timeout: Double

    var text: String {
        var lines: [String] = []
        func row(_ label: String, _ value: Any, _ note: String = "") {
            let padded = label.padding(toLength: 44, withPad: " ", startingAt: 0)
            lines.append("  \(padded) \(value)\(note.isEmpty ? "" : "   \(note)")")
        }
        var kinds: [SoakOperation.Kind: Int] = [:]
        for operation in plan.operations { kinds[operation.kind, default: 0] += 1 }
        let byStatus = sandboxStats["requests"]?["byStatus"]
        func status(_ code: String) -> Int { Int(byStatus?[code]?.intValue ?? 0) }
        func stat(_ name: String) -> Int { Int(sandboxStats[name]?.intValue ?? 0) }
        let requests = Int(sandboxStats["requests"]?["total"]?.intValue ?? 0)
        let windowed = stat("receivedWhileExhausted")

        if workers == 1 {
            lines.append("minimo-soak: \(operations) operations, seed \(seed), worker killed (SIGKILL) every \(killEvery) operations")
        } else {
            lines.append(
                "minimo-soak: \(operations) operations, seed \(seed), \(workers) workers on one cache and one quota ledger, "
                    + "each killed (SIGKILL) every \(killEvery) of its operations")
        }
        lines.append(String(format: "  plan done in %.1f s, %.1f s in all; client timeout %g s", planSeconds, totalSeconds, timeout))
        row("worker runs / kills / stopped by themselves", "\(runs.runs) / \(runs.kills) / \(runs.failures)")
        row("workload", [
            "\(kinds[.lookup] ?? 0) lookups", "\(kinds[.editFields] ?? 0) field edits", "\(kinds[.setConsent] ?? 0) consent changes",
            "\(kinds[.upsert] ?? 0) upserts", "\(kinds[.delete] ?? 0) deletes",
        ].joined(separator: ", "))
        if workers > 1 {
            let shares = (0..<workers).map { worker in plan.operations.filter { $0.workerIndex == worker }.count }
            row("operations per worker", shares.map(String.init).joined(separator: " / "))
        }
        row("lookups answered / not found / failed", "\(tally["lookupsAnswered"] ?? 0) / \(tally["lookupsNotFound"] ?? 0) / \(tally["lookupsFailed"] ?? 0)")
        lines.append("faults seen by the client (per attempt; \(tally["attempts"] ?? 0) attempts, \(tally["ok"] ?? 0) good answers):")
        row("500/503 with a JSON error", tally["http5xx"] ?? 0)
        row("429 (quota left, Retry-After: 0)", tally["http429"] ?? 0)
        row("429 of a spent window", tally["http429Window"] ?? 0, "must be 0")
        row("no answer within the timeout (slow answers)", tally["timeout"] ?? 0)
        row("connection reset or closed mid-answer", tally["connection"] ?? 0)
        row("200 with a malformed (truncated) body", tally["malformed"] ?? 0)
        row("HTML error pages (502/503)", tally["html"] ?? 0)
        row("other statuses (404 of a deleted contact...)", tally["otherStatus"] ?? 0)
        lines.append("faults injected:")
        row("sandbox: 500 / 503 / 502", "\(status("500")) / \(status("503")) / \(status("502"))")
        row("sandbox: all injected (incl. malformed)", stat("faultsInjected"))
        row("sandbox: slow answers", stat("slowAnswers"))
        row("proxy: requests reset before the server", "\(proxy.requestsDropped) of \(proxy.requests)")
        row("proxy: answers reset after the server acted", proxy.answersDropped)
        row("proxy: answers cut in half, then reset", proxy.answersTruncated)
        lines.append("quota (\(rateLimit.limit) requests per \(Self.window(rateLimit)) for the workers' key, shared through the ledger):")
        row("requests received by the sandbox", requests)
        row("answers that spent a window (remaining 0)", tally["windowSpent"] ?? 0)
        row("sandbox: 429 injected (Retry-After: 0)", status("429") - windowed)
        row("sandbox: 429 FROM A SPENT WINDOW", windowed, "must be 0 (receivedWhileExhausted)")
        lines.append("outbox:")
        row("sandbox: idempotent replays", stat("idempotentReplays"))
        row("claims of a dead worker taken over", tally["takenOver"] ?? 0)
        row("claims lost to a takeover while sending", tally["lostClaims"] ?? 0)
        row("entries left to another live worker", tally["heldElsewhere"] ?? 0)
        if workers > 1 { row("waits for a new contact's id", tally["createdIDWaits"] ?? 0) }
        lines.append("edits:")
        row("saved (queued in the outbox)", "\(verdict.entries) of \(verdict.writes) writes in the plan")
        row("confirmed (applied once by the sandbox)", verdict.confirmed)
        row("deletes of a deleted contact (404, done)", verdict.noopDeletes)
        row("still queued", verdict.stillQueued)
        row("refused / held as conflicts", "\(verdict.refused) / \(verdict.conflicts)")
        row("LOST EDITS", verdict.lost, "must be 0")
        row("WRITES APPLIED TWICE", verdict.appliedTwice, "must be 0")
        row("writes of a contact applied out of order", verdict.outOfOrder.count, "must be 0")
        for line in verdict.outOfOrder.prefix(10) { lines.append("    \(line)") }
        row("contacts compared with the expected state", verdict.contactsCompared)
        row("state mismatches", verdict.mismatches.count, "must be 0")
        for mismatch in verdict.mismatches.prefix(10) { lines.append("    \(mismatch)") }
        if verdict.pairingErrors > 0 { row("outbox entries not matching their operation", verdict.pairingErrors) }
        row("SQLite integrity_check", verdict.integrity.joined(separator: "; "))
        lines.append(verdict.passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }

    private static func window(_ rule: RateLimitRule) -> String {
        let text = rule.description
        guard let slash = text.firstIndex(of: "/") else { return text }
        let window = text[text.index(after: slash)...]
        return window.hasSuffix("ms") ? "\(window.dropLast(2)) ms" : "\(window.dropLast()) \(window.last == "m" ? "min" : "s")"
    }
}
