import Foundation
import MinimoCache
import MinimoKit

/// The contacts marked for a bulk edit, in the order they were marked. Marks are by contact id
/// and survive a change of search: mark some, search for others, mark those too.
public struct Marks: Sendable, Hashable {
    public private(set) var ids: [ContactID] = []
    /// The address each was marked under, for the review.
    public private(set) var emails: [ContactID: String] = [:]
    private var set: Set<ContactID> = []

    public init() {}

    public var count: Int { ids.count }
    public var isEmpty: Bool { ids.isEmpty }
    public func contains(_ id: ContactID) -> Bool { set.contains(id) }

    public mutating func mark(_ summary: ContactSummary) {
        guard set.insert(summary.id).inserted else { return }
        ids.append(summary.id)
        if let email = summary.email { emails[summary.id] = email }
    }

    public mutating func unmark(_ id: ContactID) {
        guard set.remove(id) != nil else { return }
        ids.removeAll { $0 == id }
        emails[id] = nil
    }

    public mutating func toggle(_ summary: ContactSummary) {
        if contains(summary.id) { unmark(summary.id) } else { mark(summary) }
    }

    public mutating func clear() { self = Marks() }
}

/// Choosing a bulk edit, before its review: what to do, then (for a field) the key and value.
public struct BulkEditing: Sendable, Hashable {
    public enum Stage: Sendable, Hashable {
        /// The menu: f set a field, x unset one, e/E w/W consent.
        case menu
        /// Typing the key of the field to set (`setting` true) or to unset.
        case key(setting: Bool)
        /// Typing the value for `key`.
        case value(key: String)
    }

    public var stage: Stage
    public var editor = LineEditor()
    public var error: String?

    public init(stage: Stage = .menu) { self.stage = stage }
}

/// A bulk edit queued in the outbox and being sent, as the status bar follows it: counted from
/// the outbox by state, so it stays true across a restart and beside other processes.
public struct BulkRun: Sendable, Hashable {
    public var batch: String
    /// What it does (`set plan = "pro"`), or nil when resumed from an earlier session.
    public var summary: String?
    public var counts: [OutboxEntry.State: Int]
    public var startedAt: Date
    /// Resumed after a restart, rather than started in this session.
    public var resumed: Bool
    /// `X` dropped what had not gone out; what is left is in flight.
    public var cancelled = false
    /// When an answer last made the screen count the entries again.
    public var countedAt = Date.distantPast

    public var total: Int { counts.values.reduce(0, +) }
    public var sent: Int { counts[.done] ?? 0 }
    public var unsent: Int { (counts[.pending] ?? 0) + (counts[.sending] ?? 0) }
    public var refused: Int { (counts[.failed] ?? 0) + (counts[.conflict] ?? 0) }
    public var isFinished: Bool { unsent == 0 }

    /// `bulk 3/5` (+ `· 1 refused`), then a rate-based ETA while it runs.
    public func progress(now: Date, quota: QuotaStatus?, reserve: Double, observedWindow: Double? = nil) -> String {
        var text = "bulk \(sent)/\(total)"
        if refused > 0 { text += " · \(refused) refused" }
        guard !isFinished else { return text + " done" }
        let eta = QuotaETA(requests: unsent, quota: quota?.snapshot, reserve: reserve, now: now, observedWindow: observedWindow)
        switch eta.estimate {
        case .seconds(let seconds): text += " · ETA " + QuotaETA.duration(seconds)
        case .withinWindow: text += " · sending"
        case .unknown, .nothing: break
        }
        return text
    }

    /// The outbox batches of TUI bulk edits are named with this prefix.
    public static let batchPrefix = "bulk-"
}
