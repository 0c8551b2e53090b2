import Foundation
import MinimoKit
import Testing

@testable import MinimoTUI

/// The runner's idea of idle, and the headless terminal the driver types into: what every
/// headless story's waits rest on.
@Suite struct EffectRunnerTests {
    /// A gate a task waits at until the test opens it.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var open = false

        func wait() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let goNow = lock.withLock {
                    if open { return true }
                    self.continuation = continuation
                    return false
                }
                if goNow { continuation.resume() }
            }
        }

        var isWaiting: Bool { lock.withLock { continuation != nil } }

        func release() {
            let waiting = lock.withLock {
                open = true
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume()
        }
    }

    @Test func workIsBusyUntilItEndsAndALoopOnlyInsideBusy() async throws {
        let runner = EffectRunner(clock: SystemClock())
        #expect(runner.isIdle)
        let gate = Gate()
        let before = runner.changeCount
        let task = runner.run { await gate.wait() }
        #expect(!runner.isIdle)
        #expect(runner.changeCount != before)
        try await Poll.until("the task to wait at the gate") { gate.isWaiting }
        #expect(!runner.isIdle, "a task waiting is still work")
        gate.release()
        await task.value
        try await Poll.until("the runner to see the end") { runner.isIdle }

        // A loop is idle between rounds, busy inside one.
        let inside = Gate()
        let round = Gate()
        runner.loop {
            await round.wait()
            await runner.busy { await inside.wait() }
        }
        try await Poll.until("the loop to wait for its round") { round.isWaiting }
        #expect(runner.isIdle, "a loop waiting between rounds is idle")
        round.release()
        try await Poll.until("the round to start") { inside.isWaiting }
        #expect(!runner.isIdle)
        inside.release()
        try await Poll.until("the round to end") { runner.isIdle }
        runner.cancelWhatEndsWithApp()
    }

    @Test func aNewSearchCancelsTheOldOne() async throws {
        let runner = EffectRunner(clock: SystemClock())
        let first = runner.run(.search) {
            // Ends only when cancelled (the sleep throws then).
            try? await Task.sleep(nanoseconds: 600_000_000_000)  // ok: waits for its cancellation
        }
        let second = runner.run(.search) {}
        await first.value
        await second.value
        #expect(first.isCancelled)
        #expect(!second.isCancelled)
        try await Poll.until("both ended") { runner.isIdle }
    }

    @Test func theHeadlessTerminalHandsKeysToTheLoopAndKeepsTheFramePresented() {
        var terminal = HeadlessTerminal(columns: 20, rows: 3)
        terminal.type("ab")
        terminal.feed([.enter])
        #expect(terminal.pendingKeys == 3)
        #expect(terminal.readKey(timeoutMilliseconds: 0, wake: nil) == .character("a"))
        #expect(terminal.readKey(timeoutMilliseconds: 0, wake: nil) == .character("b"))
        #expect(terminal.readKey(timeoutMilliseconds: 0, wake: nil) == .enter)
        #expect(terminal.readKey(timeoutMilliseconds: 0, wake: nil) == nil)
        #expect(terminal.pendingKeys == 3, "taken, not drawn yet")
        terminal.put(text: "hello", row: 1, column: 2)
        #expect(terminal.text.isEmpty, "nothing presented yet")
        terminal.present(cursor: nil)
        #expect(terminal.pendingKeys == 0)
        #expect(terminal.lines == ["", "  hello", ""])
        #expect(terminal.presentedFrames == 1)

        terminal.resize(columns: 30, rows: 5)
        #expect(terminal.size == TerminalSize(columns: 20, rows: 3), "the loop hears of it with the key")
        #expect(terminal.readKey(timeoutMilliseconds: 0, wake: nil) == .resize)
        #expect(terminal.size == TerminalSize(columns: 30, rows: 5))

        #expect(terminal.endingSignal() == nil)
        terminal.hangUp()
        #expect(terminal.endingSignal() == SIGHUP)
    }
}
