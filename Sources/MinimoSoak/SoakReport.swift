import Foundation
import MinimoKit

/// The printed end of a soak run.
struct SoakReport {
    var operations: Int
    var seed: UInt64
    var killEvery: Int
    var kills: Int
    var runs: Int
    var workerFailures: Int
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

        lines.append("minimo-soak: \(operations) operations, seed \(seed), worker killed (SIGKILL) every \(killEvery) operations")
        lines.append(String(format: "  plan done in %.1f s, %.1f s in all; client timeout %g s", planSeconds, totalSeconds, timeout))
        row("worker runs / kills / stopped by themselves", "\(runs) / \(kills) / \(workerFailures)")
        row("workload", [
            "\(kinds[.lookup] ?? 0) lookups", "\(kinds[.editFields] ?? 0) field edits", "\(kinds[.setConsent] ?? 0) consent changes",
            "\(kinds[.upsert] ?? 0) upserts", "\(kinds[.delete] ?? 0) deletes",
        ].joined(separator: ", "))
        row("lookups answered / not found / failed", "\(tally["lookupsAnswered"] ?? 0) / \(tally["lookupsNotFound"] ?? 0) / \(tally["lookupsFailed"] ?? 0)")
        lines.append("faults seen by the client (per attempt; \(tally["attempts"] ?? 0) attempts, \(tally["ok"] ?? 0) good answers):")
        row("500/503 with a JSON error", tally["http5xx"] ?? 0)
        row("429 (quota left, Retry-After: 0)", tally["http429"] ?? 0)
        row("no answer within the timeout (slow answers)", tally["timeout"] ?? 0)
        row("connection reset or closed mid-answer", tally["connection"] ?? 0)
        row("200 with a malformed (truncated) body", tally["malformed"] ?? 0)
        row("HTML error pages (502/503)", tally["html"] ?? 0)
        row("other statuses (404 of a deleted contact...)", tally["otherStatus"] ?? 0)
        lines.append("faults injected:")
        row("sandbox: 500 / 503 / 502 / 429", "\(status("500")) / \(status("503")) / \(status("502")) / \(status("429"))")
        row("sandbox: all injected (incl. malformed)", sandboxStats["faultsInjected"]?.intValue ?? 0)
        row("sandbox: slow answers", sandboxStats["slowAnswers"]?.intValue ?? 0)
        row("proxy: requests reset before the server", "\(proxy.requestsDropped) of \(proxy.requests)")
        row("proxy: answers reset after the server acted", proxy.answersDropped)
        row("proxy: answers cut in half, then reset", proxy.answersTruncated)
        row("sandbox: idempotent replays", sandboxStats["idempotentReplays"]?.intValue ?? 0)
        lines.append("edits:")
        row("saved (queued in the outbox)", "\(verdict.entries) of \(verdict.writes) writes in the plan")
        row("confirmed (applied once by the sandbox)", verdict.confirmed)
        row("deletes of a deleted contact (404, done)", verdict.noopDeletes)
        row("still queued", verdict.stillQueued)
        row("refused / held as conflicts", "\(verdict.refused) / \(verdict.conflicts)")
        row("LOST EDITS", verdict.lost, "must be 0")
        row("WRITES APPLIED TWICE", verdict.appliedTwice, "must be 0")
        row("contacts compared with the expected state", verdict.contactsCompared)
        row("state mismatches", verdict.mismatches.count, "must be 0")
        for mismatch in verdict.mismatches.prefix(10) { lines.append("    \(mismatch)") }
        if verdict.pairingErrors > 0 { row("outbox entries not matching their operation", verdict.pairingErrors) }
        row("SQLite integrity_check", verdict.integrity.joined(separator: "; "))
        lines.append(verdict.passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }
}
