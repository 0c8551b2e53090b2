import Foundation
import Testing

/// The real binary in a real terminal: a tmux session on a private socket, driven with
/// send-keys and read with capture-pane. Tests wait for text on screen, never for a fixed time.
final class TmuxSession: @unchecked Sendable {
    let socket = "minimo-e2e-\(UUID().uuidString.prefix(8))"
    let name = "e2e"

    convenience init(arguments: [String], environment: [String: String], columns: Int = 120, rows: Int = 40) throws {
        let env = environment.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let command = "env -i PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 \(env) \(Self.quote(CLI.binary.path)) "
            + arguments.map(Self.quote).joined(separator: " ") + "; echo MINIMO-EXITED $?; sleep 600"
        try self.init(command: command, columns: columns, rows: rows)
    }

    /// A session running `command` (a shell command line) in its one pane.
    init(command: String, columns: Int = 120, rows: Int = 40) throws {
        try tmux(["new-session", "-d", "-s", name, "-x", String(columns), "-y", String(rows), command])
    }

    deinit { close() }

    /// Ends the session: the tmux server goes, and with it the terminal, which makes the TUI exit.
    func close() { _ = try? tmux(["kill-server"]) }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a tmux command with posix_spawn and waitpid. Foundation's `Process` is not used:
    /// it learns of a child's exit through a descriptor the child inherits, and the tmux server
    /// that `new-session` forks keeps that descriptor open for ever. Output (capture-pane) goes
    /// through a temporary file for the same reason.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-tmux-\(UUID())")
        defer { try? FileManager.default.removeItem(at: output) }
        let capture = arguments.first == "capture-pane"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? output.path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The tmux server lives on after this call: it must not keep any other descriptor of
        // this process open (a parallel test's pipe would then never reach end of file).
        for descriptor in Self.openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        // The test process blocks and ignores most signals on its threads, and a spawned child
        // inherits both. The tmux server and everything in its panes would then ignore the
        // SIGHUP of kill-server and live on after the test; so the child starts with an empty
        // mask and every signal at its default action.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["/usr/bin/tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw TmuxTimeout() }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard capture else { return "" }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Named tmux keys: "Enter", "Tab", "Escape", "Up", "C-u", "Space"...
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    /// Literal text, typed as is.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    func resize(columns: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(columns), "-y", String(rows)])
    }

    /// Waits until the screen satisfies `condition`; returns that screen, or records a failure
    /// with the last screen after `timeout` seconds.
    @discardableResult
    func waitUntil(
        _ description: String, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            try await Task.sleep(nanoseconds: 50_000_000)  // ok: polling the screen (waitUntil)
        }
        Issue.record("timed out waiting for \(description); screen was:\n\(last)", sourceLocation: sourceLocation)
        throw TmuxTimeout()
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}

struct TmuxTimeout: Error {}
