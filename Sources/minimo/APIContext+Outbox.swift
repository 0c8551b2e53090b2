import Foundation
import MinimoCache
import MinimoKit

extension APIContext {
    /// Saves `change` through the store's one write path and reports what became of it, whoever
    /// sent it: this process (its answer), another minimo process sharing the cache (said so,
    /// with the answer that process stored; exit 0), or nobody yet (the cause, by name). While
    /// another live process is sending it, waits for that process, within its lease. The words
    /// are the store's (`SaveOutcome`); this picks the output stream and the exit status.
    func save(_ change: OutboxWrite.Change, json: Bool, human: (SentAnswer) -> String) async throws {
        let saved: SaveOutcome
        do {
            saved = try await store.save(change)
        } catch let failure as SaveFailure {
            await printQuota()
            throw CLIError(.failure, HumanOutput.safe(failure.sentence(.commandLine)))
        }
        await printQuota()
        let sentence = HumanOutput.safe(saved.sentence(.commandLine))
        switch saved.outcome {
        case .sent(let answer):
            if json { Self.writeBody(answer.body) } else { print(human(answer)) }
        case .sentByOtherProcess(let answer, _):
            if json {
                FileHandle.standardError.write(Data("minimo: \(sentence)\n".utf8))
                Self.writeBody(answer.body)
            } else {
                print(sentence)
                print(human(answer))
            }
        case .conflict, .refused:
            throw CLIError(.validation, sentence)
        case .deferred(_, _, let local):
            throw CLIError(local ? .failure : .network, sentence)
        case .stillSendingElsewhere:
            throw CLIError(.network, sentence)
        case .dropped:
            throw CLIError(.failure, sentence)
        }
    }
}
