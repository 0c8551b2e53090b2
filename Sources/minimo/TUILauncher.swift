import Foundation
import MinimoCache
import MinimoKit
import MinimoTUI

/// Runs the TUI's event loop on a thread of its own (it blocks on the terminal), leaving the
/// Swift concurrency pool to the network and database work it starts.
enum TUILauncher {
    static func run(
        store: ContactStore, profile: String?, host: String?, isDemo: Bool, columns: [String], label: ProfileLabel? = nil,
        bindings: Bindings = .defaults
    ) async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw CLIError(.usage, "the TUI needs a terminal; for scripts use the subcommands (minimo help)")
        }
        let app = TUIApp(store: store, profile: profile, host: host, isDemo: isDemo, columns: columns, label: label, bindings: bindings)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                StartupTrace.mark("tui-thread")
                do {
                    try app.run()
                    continuation.resume()
                } catch let error as TerminalScreen.StartError {
                    // A terminal the TUI cannot drive: say why and how to go on (exit 2).
                    continuation.resume(throwing: CLIError(.usage, error.description))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "minimo-tui"
            thread.stackSize = 8 << 20
            thread.start()
        }
        // Ended by a hang-up or a SIGTERM: unsaved changes are kept as a draft and the terminal
        // is restored; exit as the signal would have (128 + N), so a shell or a supervisor sees it.
        if app.exitSignal != 0 { exit(128 + app.exitSignal) }
    }
}
