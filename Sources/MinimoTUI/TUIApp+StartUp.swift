import Foundation
import MinimoCache
import MinimoKit

/// What starts with the app, beside the first search: the live quota, the field definitions,
/// the retry of unsent edits, the drafts kept from last time, unfinished bulk edits.
extension TUIApp {
    /// `first` is the first search: the contact list is what the first frame waits for, so the
    /// rest starts once it is in, rather than opening database connections beside it on a
    /// 2-core machine.
    func startUpWork(first: Task<Void, Never>) {
        let store = self.store
        let inbox = self.inbox
        let ownWork = self.ownWork
        let runner = self.runner
        let bulkRunner = self.bulkRunner
        runner.loop {
            for await status in store.client.quotaUpdates() { inbox.post(.quota(status)) }
        }
        runner.run(endsWithApp: true) {
            await first.value
            await Self.loadDefinitions(store: store, inbox: inbox)
        }
        runner.loop {
            await first.value
            await Self.retryOutbox(store: store, inbox: inbox, ownWork: ownWork, runner: runner)
        }
        runner.run(endsWithApp: true) {
            await first.value
            let drafts = (try? await store.drafts()) ?? []
            guard !drafts.isEmpty else { return }
            let names = drafts.prefix(3).map { $0.email ?? "#\($0.contactID.rawValue)" }.joined(separator: ", ")
            inbox.post(.flash("\(drafts.count) unsaved draft(s) kept from last time (\(names)): open the contact to review", isError: false))
        }
        runner.run(endsWithApp: true) {
            await first.value
            await Self.resumeBulk(store: store, inbox: inbox, ownWork: ownWork, runner: bulkRunner, effects: runner)
        }
    }

    static func loadDefinitions(store: ContactStore, inbox: ActionInbox) async {
        do {
            inbox.post(.definitionsLoaded(try await store.fieldDefinitions()))
        } catch let error as MinimoError {
            if error.kind == .network { inbox.post(.connectivity(online: false)) }
            inbox.post(.flash("field definitions: \(error.description)", isError: true))
        } catch {}
    }

    /// Edits saved earlier (this session or a past one) and not yet sent go out as soon as the
    /// server answers: checked every 2 s while the outbox holds entries this process would send,
    /// backing off to 10 s while the server stays unreachable. An empty outbox costs one SQLite
    /// read, and so do the rows of an import running in another process (left to it: they are
    /// neither decoded nor a reason to drain). (The unsent count itself comes from the cache
    /// watch, which counts every process's entries.) The pauses are idle time, on the app's clock.
    static func retryOutbox(store: ContactStore, inbox: ActionInbox, ownWork: OwnWork, runner: EffectRunner) async {
        var pause: Double = 2
        while !Task.isCancelled {
            pause = await runner.busy {
                let waiting = (try? await store.sendableOutboxEntries()) ?? []
                guard !waiting.isEmpty else { return 2 }
                // Sending this session's own edits is this process's work; another process's
                // entries sent from here are still that process's edits.
                let own = ownWork.queuedAny(of: waiting)
                if own { ownWork.begin(showsResult: false) }
                // Interactive edits only: a bulk edit's background entries go through its own
                // store (see `BulkRunner`), and another process's import is left to that import.
                let report = await store.sendOutbox(OutboxDrainOptions(interactiveOnly: true))
                let left = (try? await store.unconfirmedOutboxCount()) ?? waiting.count
                inbox.post(.outboxDrained(sent: report.sent, left: left, offline: report.stoppedByNetwork))
                if report.stoppedBy == nil { inbox.post(.connectivity(online: true)) }
                if own { ownWork.end(showsResult: false) }
                return report.stoppedBy == nil ? 2 : min(10, pause * 2)
            }
            await runner.sleep(seconds: pause)
        }
    }
}
