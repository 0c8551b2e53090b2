import Foundation
import Testing

/// The real binary in a real terminal: a tmux session on a private socket, driven with
/// send-keys and read with capture-pane. Tests wait for text on screen, never for a fixed time.
final class TmuxSession: @unchecked Sendable {
    let socket = "minimo-e2e-\(UUID().uuidString.prefix(8))"
    let name = "e2e"

    /// `passTMUX`: keep the pane's `TMUX` (the environment is otherwise cleared), so the TUI can
    /// ask this tmux about itself (`set-clipboard`).
    convenience init(arguments: [String], environment: [String: String], columns: Int = 120, rows: Int = 40, passTMUX: Bool = false) throws {
        let env = environment.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let keep = passTMUX ? "TMUX=\"$TMUX\" " : ""
        let command = "env -i \(keep)PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 \(env) \(Self.quote(CLI.binary.path)) "
            + arguments.map(Self.quote).joined(separator: " ") + "; echo MINIMO-EXITED $?; sleep 600"
        try self.init(command: command, columns: columns, rows: rows)
    }

    /// A session running `command` (a shell command line) in its one pane.
    init(command: String, columns: Int = 120, rows: Int = 40) throws {
        try tmux(["new-session", "-d", "-s", name, "-x", String(columns), "-y", String(rows), command])
    }

    deinit { close() }

    /// How long a wait for the screen lasts by default. Generous: when the whole suite starts
    /// on 2 cores, dozens of processes start at once and a debug binary of 190 MB took over
    /// 20 s to draw its first frame (a blank pane, seen on CI and locally); alone it takes 1 s.
    /// A wait ends as soon as the text shows, so this costs nothing when things are well.
    static let patience: Double = 45

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
        let pid = try Self.spawn(["/usr/bin/tmux", "-L", socket] + arguments, output: capture ? output.path : "/dev/null")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard capture else { return "" }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Starts `argv` with stdin from /dev/null, stdout to `output` and stderr to `errors`, no
    /// other descriptor of this process (a long-lived child such as the tmux server or an sshd
    /// would otherwise keep a parallel test's pipe open, and its reader would never see the
    /// end), an empty signal mask and every signal at its default action (the test runner
    /// blocks and ignores most signals, and a child inherits both: the tmux server and what
    /// runs in its panes would then ignore kill-server's SIGHUP and outlive the test).
    static func spawn(_ argv: [String], output: String = "/dev/null", errors: String = "/dev/null") throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
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
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ) == 0 else { throw TmuxTimeout() }
        return pid
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
        _ description: String, timeout: Double = TmuxSession.patience, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (String) -> Bool
    ) async throws -> String {
        var last = ""
        try await Poll.until(description, timeout: timeout, every: 0.05, detail: { (try? self.screen()) ?? "" }, sourceLocation: sourceLocation) {
            last = try screen()
            return condition(last)
        }
        return last
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = TmuxSession.patience, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}

struct TmuxTimeout: Error {}
