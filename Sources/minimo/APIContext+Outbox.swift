import Foundation
import MinimoCache
import MinimoKit

extension APIContext {
    /// Sends the outbox and reports what became of entry `seq` (the edit this command queued),
    /// whoever sent it: this process (its answer), another minimo process sharing the cache
    /// (said so, with the answer that process stored; exit 0), or nobody yet (the cause, by
    /// name). While another live process is sending it, waits for that process, within its
    /// lease. Every path names its cause: there is no "unknown error".
    func sendAndReport(_ seq: Int64, json: Bool, human: (SentAnswer) -> String) async throws {
        let outcome: OutboxOutcome
        do {
            outcome = try await store.sendOutbox(following: seq)
        } catch {
            await printQuota()
            throw CLIError(
                .failure,
                "cannot tell whether outbox entry \(seq) was sent: \(HumanOutput.safe(CacheError.sentence(for: error))). `minimo outbox list` shows it if it is still waiting.")
        }
        await printQuota()
        switch outcome {
        case .sent(let answer):
            if json { Self.writeBody(answer.body) } else { print(human(answer)) }
        case .sentByOtherProcess(let answer, let pid):
            let who = pid.map { "another minimo process (pid \($0))" } ?? "another minimo process"
            let note = "this edit (outbox entry \(seq)) was sent by \(who) sharing this cache; its answer was HTTP \(answer.status)"
            if json {
                FileHandle.standardError.write(Data("minimo: \(note)\n".utf8))
                Self.writeBody(answer.body)
            } else {
                print(note)
                print(human(answer))
            }
        case .conflict(let entry):
            throw CLIError(
                .validation,
                "not sent: \(HumanOutput.safe(entry.lastError ?? "the contact changed on the server since the edit began")). See `minimo outbox list`; `minimo outbox retry \(seq) --force` sends it anyway.")
        case .refused(let entry):
            let status = entry.lastStatus.map { "HTTP \($0): " } ?? ""
            throw CLIError(
                .validation,
                "the server refused the edit: \(status)\(HumanOutput.safe(entry.lastError ?? "no reason given")) (kept as outbox entry \(seq); `minimo outbox drop \(seq)` forgets it)")
        case .deferred(_, let cause, let local):
            throw CLIError(
                local ? .failure : .network,
                "not sent yet: \(HumanOutput.safe(cause)). The edit is kept in the outbox (entry \(seq)) and will be sent by `minimo outbox retry` or the next command.")
        case .stillSendingElsewhere(_, let claim, let waited):
            throw CLIError(
                .network,
                "not confirmed yet: minimo process \(claim.pid) is still sending this edit (outbox entry \(seq)); waited \(Int(waited.rounded())) s for it. It stays in the outbox: `minimo outbox list` shows when it is done, and if that process dies the next command sends it, under the same idempotency key.")
        case .dropped:
            throw CLIError(
                .failure,
                "outbox entry \(seq) was dropped from the outbox (`minimo outbox drop`, from another shell) before this command saw it confirmed; `minimo contacts get` shows whether the server has the change")
        }
    }
}
