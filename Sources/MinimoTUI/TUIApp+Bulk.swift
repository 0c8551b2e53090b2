import Foundation
import MinimoCache
import MinimoKit

/// Sends the TUI's bulk edits: through a sibling store (its own claims and drain queue), so a
/// save in the TUI never waits behind a bulk edit that waits for the quota; in waves of two, so
/// a cancel leaves at most two entries on their way. Runs one batch at a time, until it is
/// sent, refused or cancelled, retrying after network failures.
final class BulkRunner: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var sender: ContactStore?
    private var queue: [String] = []

    /// Requests in flight at once, and entries claimed at once (a cancel leaves at most these).
    static let concurrency = 2

    func senderStore(_ store: ContactStore) throws -> ContactStore {
        try lock.withLock {
            if let sender { return sender }
            let made = try store.sibling()
            sender = made
            return made
        }
    }

    /// Sends `batch` after the batches started before it, as work of `effects` (the app is not
    /// idle while a bulk edit is being sent, pauses included).
    func run(_ batch: String, store: ContactStore, inbox: ActionInbox, ownWork: OwnWork, effects: EffectRunner) {
        lock.withLock {
            queue.append(batch)
            guard task == nil else { return }
            task = effects.run { await self.work(store: store, inbox: inbox, ownWork: ownWork, effects: effects) }
        }
    }

    private func next() -> String? {
        lock.withLock {
            guard !queue.isEmpty else {
                task = nil
                return nil
            }
            return queue.removeFirst()
        }
    }

    private func work(store: ContactStore, inbox: ActionInbox, ownWork: OwnWork, effects: EffectRunner) async {
        while let batch = next() {
            // The drain writes contacts this screen may show: its own work, not another process's.
            ownWork.begin(showsResult: false)
            await send(batch, store: store, inbox: inbox, effects: effects)
            ownWork.end(showsResult: false)
        }
    }

    private func send(_ batch: String, store: ContactStore, inbox: ActionInbox, effects: EffectRunner) async {
        let sender: ContactStore
        do {
            sender = try senderStore(store)
        } catch {
            inbox.post(.flash("bulk edit not sent: \(CacheError.sentence(for: error))", isError: true))
            return
        }
        var pause: Double = 1
        while !Task.isCancelled {
            let options = OutboxDrainOptions(
                batch: batch, concurrency: Self.concurrency, waveSize: Self.concurrency,
                progress: { settled in
                    // Each answer moves the status bar (counted from the outbox, on the loop).
                    if settled.state != .pending { inbox.post(.bulkSettled(batch: batch)) }
                })
            let report = await sender.sendOutbox(options)
            guard let counts = try? await sender.outboxBatchCounts(batch) else { return }
            inbox.post(.bulkProgress(batch: batch, counts))
            if report.stoppedByNetwork { inbox.post(.connectivity(online: false)) }
            let unsent = (counts[.pending] ?? 0) + (counts[.sending] ?? 0)
            if unsent == 0 { return }
            // Stopped (the network, a 5xx, the cache): again in a moment, backing off to 10 s.
            pause = report.stoppedBy == nil ? 1 : min(10, pause * 2)
            await effects.sleep(seconds: pause)
        }
    }
}

extension TUIApp {
    func performBulk(_ effect: AppEffect) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        let runner = self.bulkRunner
        let effects = self.runner
        switch effect {
        case .planBulk(let change, let ids):
            effects.run {
                do {
                    inbox.post(.bulkPlanned(.success(try await store.planBulk(change, contacts: ids))))
                } catch {
                    inbox.post(.bulkPlanned(.failure(BulkFailure(CacheError.sentence(for: error)))))
                }
            }
        case .startBulk(let plan):
            let batch = Self.newBatchName()
            effects.run {
                do {
                    try await store.queueBulk(plan, batch: batch)
                    let counts = try await store.outboxBatchCounts(batch)
                    inbox.post(.bulkQueued(BulkRun(batch: batch, summary: plan.change.summary, counts: counts, startedAt: effects.clock.now(), resumed: false)))
                    runner.run(batch, store: store, inbox: inbox, ownWork: ownWork, effects: effects)
                } catch {
                    inbox.post(.flash("bulk edit not queued (nothing was sent): \(CacheError.sentence(for: error))", isError: true))
                }
            }
        case .watchBulk(let batch):
            effects.run {
                if let counts = try? await store.outboxBatchCounts(batch) { inbox.post(.bulkProgress(batch: batch, counts)) }
            }
        case .cancelBulk(let batch):
            effects.run {
                do {
                    let dropped = try await store.cancelBatch(batch)
                    let inFlight = (try? await store.outboxBatchCounts(batch))?[.sending] ?? 0
                    inbox.post(.bulkCancelled(batch: batch, dropped: dropped, inFlight: inFlight))
                } catch {
                    inbox.post(.flash("bulk edit not cancelled: \(CacheError.sentence(for: error))", isError: true))
                }
            }
        default:
            break
        }
    }

    /// `bulk-20261201-173012-3fa9`: when it was started, and a few random digits.
    static func newBatchName() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return BulkRun.batchPrefix + formatter.string(from: Date()) + "-" + String(UUID().uuidString.prefix(4)).lowercased()
    }

    /// At start-up: bulk edits an earlier session queued and did not finish sending (it quit, or
    /// was killed) go out now, each counted in the status bar. Those of a TUI still running are
    /// left to it.
    static func resumeBulk(store: ContactStore, inbox: ActionInbox, ownWork: OwnWork, runner: BulkRunner, effects: EffectRunner) async {
        guard let batches = try? await store.unfinishedBatches(prefix: BulkRun.batchPrefix) else { return }
        for summary in batches where !summary.queuedByLiveProcess {
            inbox.post(.bulkQueued(BulkRun(batch: summary.batch, summary: nil, counts: summary.counts, startedAt: effects.clock.now(), resumed: true)))
            runner.run(summary.batch, store: store, inbox: inbox, ownWork: ownWork, effects: effects)
        }
    }
}
