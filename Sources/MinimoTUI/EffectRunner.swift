import Foundation
import MinimoKit

/// Owns the tasks the TUI starts for its effects (searches, lookups, saves, the start-up reads,
/// the outbox retry loop, bulk edits), and knows whether any of them is working: with the
/// inbox and the event loop, that says when the app is idle, which is what a test driving it
/// waits for instead of sleeping.
///
/// Waits go through the injected clock. A task's work counts from its start to its end; a
/// loop that lives as long as the app counts only inside `busy`, so its pauses are idle time.
final class EffectRunner: @unchecked Sendable {
    /// Work that a newer piece of the same kind replaces: the old one is cancelled (typing a
    /// new search cancels the old one's request).
    enum Slot: Hashable {
        case search, lookup
    }

    let clock: MinimoClock
    private let lock = NSLock()
    private var tasks: [Int: Running] = [:]
    private var slots: [Slot: Int] = [:]
    private var nextID = 0
    private var working = 0
    private var changes = 0

    private struct Running {
        var task: Task<Void, Never>
        var endsWithApp: Bool
    }

    init(clock: MinimoClock) {
        self.clock = clock
    }

    /// Starts `work`. `slot`: the previous work of that slot is cancelled first. `endsWithApp`:
    /// cancelled when the app ends (start-up reads, a sync); other work, such as a save, is
    /// left to finish.
    @discardableResult
    func run(
        _ slot: Slot? = nil, endsWithApp: Bool = false, _ work: @escaping @Sendable () async -> Void
    ) -> Task<Void, Never> {
        lock.withLock {
            let id = nextID
            nextID += 1
            if let slot, let previous = slots[slot] { tasks[previous]?.task.cancel() }
            working += 1
            changes += 1
            // Made under the lock: its end (which takes the lock) cannot come before it is noted.
            let task = Task {
                await work()
                self.finished(id)
            }
            tasks[id] = Running(task: task, endsWithApp: endsWithApp)
            if let slot { slots[slot] = id }
            return task
        }
    }

    /// Starts a loop that lives as long as the app (cancelled when it ends). It counts as
    /// working only inside `busy`.
    func loop(_ work: @escaping @Sendable () async -> Void) {
        lock.withLock {
            let id = nextID
            nextID += 1
            let task = Task {
                await work()
                self.forget(id)
            }
            tasks[id] = Running(task: task, endsWithApp: true)
        }
    }

    private func forget(_ id: Int) {
        _ = lock.withLock { tasks.removeValue(forKey: id) }
    }

    /// A loop's working part: the app is not idle while it runs.
    func busy<T>(_ work: () async -> T) async -> T {
        lock.withLock {
            working += 1
            changes += 1
        }
        defer {
            lock.withLock {
                working -= 1
                changes += 1
            }
        }
        return await work()
    }

    /// A pause on the injected clock; cancellation ends it early.
    func sleep(seconds: Double) async {
        try? await clock.sleep(seconds: seconds)
    }

    private func finished(_ id: Int) {
        lock.withLock {
            tasks[id] = nil
            slots = slots.filter { $0.value != id }
            working -= 1
            changes += 1
        }
    }

    /// Cancels what should not outlive the app: loops, start-up reads, a sync.
    func cancelWhatEndsWithApp() {
        let ending = lock.withLock { tasks.values.filter(\.endsWithApp).map(\.task) }
        for task in ending { task.cancel() }
    }

    /// No work running (loops waiting between rounds do not count).
    var isIdle: Bool { lock.withLock { working == 0 } }

    /// Moves whenever work starts or ends: two equal readings around a check mean nothing
    /// happened in between.
    var changeCount: Int { lock.withLock { changes } }
}
