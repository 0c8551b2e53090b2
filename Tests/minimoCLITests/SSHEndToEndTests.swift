import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The TUI as people run it: over SSH. A real sshd (Debian's openssh-server) on 127.0.0.1 with
/// throwaway keys, `ssh -tt` inside tmux, the real binary and the real sandbox over HTTP. The
/// connection is cut in the middle of an edit (the ssh client is SIGKILLed, so sshd sees the
/// connection drop and hangs up the session's terminal).
@Suite(.serialized) struct SSHEndToEndTests {
    static let key = "mn-test-ssh-0123456789abcdef"

    @Test func aCutConnectionEndsTheTUIKeepsTheDraftAndTheQueuedEditGoesNextTime() async throws {
        let run = "ssh-\(UUID().uuidString.prefix(8))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-e2e-\(run)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sshd = try SSHServer(directory: directory)
        defer { sshd.stop() }

        var configuration = SandboxConfiguration()
        configuration.contactCount = 50
        let first = SandboxServer(configuration: configuration)
        let url = try await first.start()
        var firstRunning = true
        var second: SandboxServer?
        func stopSandboxes() async {
            if firstRunning { await first.stop() }
            firstRunning = false
            await second?.stop()
            second = nil
        }
        let keyFile = directory.appendingPathComponent("api-key")
        FileManager.default.createFile(atPath: keyFile.path, contents: Data(Self.key.utf8), attributes: [.posixPermissions: 0o600])
        // The cache directory's name is unique to this run: it finds the remote process in /proc.
        let cache = directory.appendingPathComponent("cache-\(run)")
        let remote = "env HOME=\(TmuxSession.quote(directory.path)) TERM=xterm-256color LANG=C.UTF-8 "
            + "MINIMO_BASE_URL=\(TmuxSession.quote(url.absoluteString)) \(TmuxSession.quote(CLI.binary.path)) "
            + "--api-key-file \(TmuxSession.quote(keyFile.path)) --cache-dir \(TmuxSession.quote(cache.path))"
        do {
            try await cutMidEdit()
            try await nextSession()
        } catch {
            await stopSandboxes()
            throw error
        }
        await stopSandboxes()

        func cutMidEdit() async throws {
            let session = try TmuxSession(command: sshd.clientCommand(remote: remote))
            defer { session.close() }
            try await session.waitFor("Search email", timeout: 30)
            // The TUI itself, not the remote shell that started it.
            let remoteProcess = try #require(
                Self.processes(containing: cache.path).first { Self.commandLine($0).hasPrefix(CLI.binary.path) },
                "no remote minimo process")
            try session.type("customer@example.com")
            try session.press("Enter")
            try await session.waitFor("\"enterprise\"")

            // The server goes away: one edit is saved (queued), a second is begun, not saved.
            await first.stop()
            firstRunning = false
            try session.press("j", "e", "C-u")
            try session.type("pro")
            try session.press("Enter")
            try await session.waitFor("1 unsaved")
            try session.press("s")
            try await session.waitFor("This exact JSON will be sent")
            try session.press("y")
            try await session.waitFor("queued, not sent yet")
            try session.press("e", "C-u")
            try session.type("free")
            try session.press("Enter")
            try await session.waitFor("1 unsaved")

            // The connection drops.
            let clients = Self.processes(containing: "ssh -tt").filter { Self.commandLine($0).contains(run) }
            #expect(!clients.isEmpty, "no ssh client found")
            for client in clients { kill(client, SIGKILL) }

            // The remote TUI leaves on the hang-up: no orphan is left running.
            _ = try await Poll.holds(within: 15, every: 0.05) { !Self.isAlive(remoteProcess) }
            #expect(!Self.isAlive(remoteProcess), "minimo (pid \(remoteProcess)) still runs after the hang-up")
            #expect(Self.processes(containing: cache.path).isEmpty)
        }

        // The server is back; the next session, over SSH again.
        func nextSession() async throws {
            configuration.port = url.port ?? 0
            let back = SandboxServer(configuration: configuration)
            second = back
            _ = try await back.start()
            let session = try TmuxSession(command: sshd.clientCommand(remote: remote))
            defer { session.close() }
            // The saved edit is sent on start, without a key pressed.
            let reader = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-reader-0123456789"))
            var plan: JSONValue?
            _ = try await Poll.holds(within: 30, every: 0.1) {
                plan = try await reader.contact(email: "customer@example.com").value.customFields["plan"]
                return plan == "pro"
            }
            #expect(plan == "pro", "the queued edit was not sent on the next start")
            // The unsaved draft comes back for review, and is not sent.
            try await session.waitFor("Search email", timeout: 30)
            try session.type("customer@example.com")
            try session.press("Enter")
            let restored = try await session.waitUntil("the draft restored") {
                $0.contains("restored 1 unsaved") && $0.contains("\"free\"")
            }
            #expect(restored.contains("*Plan"))
            #expect(try await reader.contact(email: "customer@example.com").value.customFields["plan"] == "pro")
        }
    }

    // MARK: - Processes

    static func commandLine(_ pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Processes whose command line contains `text` (this test process excluded).
    static func processes(containing text: String) -> [pid_t] {
        let own = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
            .filter { $0 != own && commandLine($0).contains(text) }
    }

    /// Alive and not a zombie.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = status.lastIndex(of: ")")
        else { return false }
        let state = status[status.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }
}

/// A private sshd for one test: throwaway host and user keys, 127.0.0.1 on a free port, key
/// authentication only, in the foreground (`-D`), stopped at the end.
final class SSHServer: @unchecked Sendable {
    let directory: URL
    let port: Int
    private var pid: pid_t = 0

    init(directory: URL) throws {
        self.directory = directory
        let sshd = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshd), FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")
        else {
            throw SSHServerError("the SSH test needs Debian's openssh-server (sshd, ssh, ssh-keygen): apt-get install openssh-server")
        }
        for name in ["host", "user"] {
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", directory.appendingPathComponent(name).path])
        }
        let authorized = directory.appendingPathComponent("authorized_keys")
        try FileManager.default.copyItem(at: directory.appendingPathComponent("user.pub"), to: authorized)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: authorized.path)
        // sshd's privilege separation directory (Debian creates it at boot, not at install).
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        port = try Self.freePort()
        let config = directory.appendingPathComponent("sshd_config")
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory.appendingPathComponent("host").path)
            AuthorizedKeysFile \(authorized.path)
            PidFile \(directory.appendingPathComponent("sshd.pid").path)
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PrintMotd no
            PrintLastLog no
            LogLevel VERBOSE

            """.write(to: config, atomically: true, encoding: .utf8)
        // A daemon that outlives this call: spawned without any descriptor of the test process
        // (see TmuxSession.spawn), never with Foundation's Process.
        let log = directory.appendingPathComponent("sshd.log")
        pid = try TmuxSession.spawn([sshd, "-D", "-e", "-f", config.path], errors: log.path)
        // Listening once a connection is accepted.
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port: port) {
            guard Date() < deadline, kill(pid, 0) == 0 else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw SSHServerError("sshd did not start: \(text)")
            }
            usleep(50_000)  // ok: polling for sshd to listen
        }
    }

    /// The shell command that opens `remote` over SSH with a terminal (`ssh -tt`), trusting
    /// nothing of the user's own SSH setup.
    func clientCommand(remote: String) -> String {
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        return "env -i PATH=/usr/bin:/bin TERM=xterm-256color ssh -tt -F /dev/null "
            + "-i \(TmuxSession.quote(directory.appendingPathComponent("user").path)) "
            + "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR "
            + "-p \(port) \(user)@127.0.0.1 \(TmuxSession.quote(remote)); echo SSH-EXITED $?; sleep 600"
    }

    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        pid = 0
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let pid = try TmuxSession.spawn([executable] + arguments)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw SSHServerError("\(executable) \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw SSHServerError("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct SSHServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
