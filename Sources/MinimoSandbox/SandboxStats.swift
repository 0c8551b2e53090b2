/// What the sandbox saw, served by `GET /__sandbox/stats` so tests and users can count what a
/// client spent: requests by route and status, requests received while the quota was 0, writes
/// actually applied, idempotent replays.
struct SandboxStats: Sendable {
    var total = 0
    var byRoute: [String: Int] = [:]
    var byStatus: [String: Int] = [:]
    var receivedWhileExhausted = 0
    var writesApplied = 0
    var idempotentReplays = 0
    var faultsInjected = 0
    /// Answers held back by the slow-answer fault.
    var slowAnswers = 0

    mutating func record(route: String, status: Int) {
        total += 1
        byRoute[route, default: 0] += 1
        byStatus[String(status), default: 0] += 1
    }

    /// `{"requests":{"total","byRoute","byStatus"},"receivedWhileExhausted","writesApplied","idempotentReplays","faultsInjected","slowAnswers"}`,
    /// keys sorted so the output is stable.
    var json: JSONValue {
        func counts(_ dictionary: [String: Int]) -> JSONValue {
            .object(dictionary.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .int($0.value)) })
        }
        return .object([
            "requests": .object(["total": .int(total), "byRoute": counts(byRoute), "byStatus": counts(byStatus)]),
            "receivedWhileExhausted": .int(receivedWhileExhausted),
            "writesApplied": .int(writesApplied),
            "idempotentReplays": .int(idempotentReplays),
            "faultsInjected": .int(faultsInjected),
            "slowAnswers": .int(slowAnswers),
        ])
    }
}
