import Foundation
import MinimoKit

/// Where an outcome is told: the words are the same, only the next step a person can take
/// differs (a key in the TUI, a command on the command line).
public enum SaveSurface: Sendable, Hashable {
    case terminalUI
    case commandLine
}

/// What became of one edit saved through ``ContactStore/save(_:drain:waitForOthers:queued:)``.
/// The TUI and the CLI read this one answer, and this file is the one place its wording lives.
public struct SaveOutcome: Sendable {
    /// The outbox entry the save queued (as queued).
    public var entry: OutboxEntry
    /// Its fate once the outbox was sent.
    public var outcome: OutboxOutcome
    /// The last drain stopped because the server could not be reached (the TUI shows offline).
    public var offline: Bool

    public init(entry: OutboxEntry, outcome: OutboxOutcome, offline: Bool) {
        self.entry = entry
        self.outcome = outcome
        self.offline = offline
    }

    public var seq: Int64 { entry.seq }

    /// The server holds the edit now (sent by this process or another).
    public var isSaved: Bool { answer != nil }

    /// The server's answer, once the edit was sent (by any process).
    public var answer: SentAnswer? {
        switch outcome {
        case .sent(let answer), .sentByOtherProcess(let answer, _): answer
        default: nil
        }
    }

    /// Held, not sent: the server's values changed since the edit began.
    public var isConflict: Bool {
        if case .conflict = outcome { return true }
        return false
    }

    /// For an edit held as a conflict: the paths (`customFields.plan`) changed on the server.
    public var conflictingPaths: [String] {
        guard case .conflict(let held) = outcome else { return [] }
        return held.changes.filter(\.conflicting).map(\.path)
    }

    /// `PUT /contacts/42`: the request the edit is (as the request log names it, short).
    public var request: String {
        switch entry.kind {
        case .update: "PUT /contacts/\(entry.contactID?.rawValue ?? "?")"
        case .upsert: "POST /contacts"
        case .delete: "DELETE /contacts/\(entry.contactID?.rawValue ?? "?")"
        }
    }

    /// A few words, for a status bar: `saved: PUT /contacts/42 → 200`, `held as a conflict`...
    public var headline: String {
        switch outcome {
        case .sent(let answer): "saved: \(request) → \(answer.status)"
        case .sentByOtherProcess(let answer, _): "saved: \(request) → \(answer.status), sent by another minimo process"
        case .conflict: "held as a conflict"
        case .refused: "the server refused the edit"
        case .deferred(_, let cause, _): "queued, not sent yet: \(cause)"
        case .stillSendingElsewhere(_, let claim, _): "queued: minimo process \(claim.pid) is sending it"
        case .dropped: "dropped from the outbox before it was confirmed"
        }
    }

    /// The whole sentence: what happened, why, and what the person can do next on `surface`.
    /// Server text in it is as the server sent it: the caller sanitises for its terminal.
    public func sentence(_ surface: SaveSurface) -> String {
        let cli = surface == .commandLine
        switch outcome {
        case .sent:
            return headline
        case .sentByOtherProcess(let answer, let pid):
            let who = pid.map { "another minimo process (pid \($0))" } ?? "another minimo process"
            return "saved: this edit (outbox entry \(seq)) was sent by \(who) sharing this cache; its answer was HTTP \(answer.status)"
        case .conflict(let held):
            let reason = held.lastError ?? "the contact changed on the server since the edit began"
            return cli
                ? "not sent: \(reason). See `minimo outbox list`; `minimo outbox retry \(seq) --force` sends it anyway."
                : "not sent: \(reason); O shows both values"
        case .refused(let held):
            let status = held.lastStatus.map { "HTTP \($0): " } ?? ""
            let reason = "\(status)\(held.lastError ?? "no reason given")"
            return cli
                ? "the server refused the edit: \(reason) (kept as outbox entry \(seq); `minimo outbox drop \(seq)` forgets it)"
                : "the server refused the edit (O shows why): \(reason)"
        case .deferred(_, let cause, _):
            return cli
                ? "queued, not sent yet: \(cause). The edit is kept in the outbox (entry \(seq)) and will be sent by `minimo outbox retry` or the next command."
                : "queued, not sent yet: \(cause); it goes out when the server answers"
        case .stillSendingElsewhere(_, let claim, let waited):
            let wait = waited >= 1 ? "; waited \(Int(waited.rounded())) s for it" : ""
            return "not confirmed yet: minimo process \(claim.pid) is still sending this edit (outbox entry \(seq))\(wait). "
                + (cli
                    ? "It stays in the outbox: `minimo outbox list` shows when it is done, and if that process dies the next command sends it, under the same idempotency key."
                    : "It stays in the outbox (O shows it); if that process dies, it is sent from here under the same idempotency key.")
        case .dropped:
            return "outbox entry \(seq) was dropped from the outbox before it was confirmed"
                + (cli
                    ? " (`minimo outbox drop`, from another shell); `minimo contacts get` shows whether the server has the change"
                    : " (from another minimo process); R shows whether the server has the change")
        }
    }
}

/// A save that failed before its fate was known, in a sentence naming the step.
public enum SaveFailure: Error, Sendable, CustomStringConvertible {
    /// Nothing was queued (a read-only profile, the cache could not be written).
    case notQueued(String)
    /// Queued as entry `seq`, but the outbox could not be read afterwards.
    case untracked(seq: Int64, String)

    public func sentence(_ surface: SaveSurface) -> String {
        switch self {
        case .notQueued(let cause):
            return "could not queue the edit: \(cause)"
        case .untracked(let seq, let cause):
            let hint = surface == .commandLine
                ? "`minimo outbox list` shows it if it is still waiting." : "O shows it if it is still waiting."
            return "cannot tell whether outbox entry \(seq) was sent: \(cause). \(hint)"
        }
    }

    public var description: String { sentence(.commandLine) }
}
