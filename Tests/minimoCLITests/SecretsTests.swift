import Foundation
import MinimoKit
import MinimoSandbox
import Testing
import MinimoTestSupport

/// After a session that touches every surface, the API key appears nowhere: CLI output (human,
/// `--json`, `--debug`), error messages, the TUI's screens (raw view and request log included),
/// the `--debug` log file, the cache database and its WAL, and the output of a process aborted
/// in the middle of a request. The masked form must appear where a key is shown, or the test
/// would prove nothing.
@Suite(.serialized) struct SecretsTests {
    static let key = "mn-secretprobe-7f3a9c2e1d5b"
    static let secretPart = "7f3a9c2e1d5b"

    /// Every file under `directory`, read as bytes.
    func files(under directory: URL) -> [(String, Data)] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { item in
            guard let url = item as? URL, let data = try? Data(contentsOf: url) else { return nil }
            return (url.lastPathComponent, data)
        }
    }

    func leaks(_ text: String) -> Bool { text.contains(Self.secretPart) }

    @Test func theKeyAppearsNowhereAfterAFullSession() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-secrets-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        try await withSandbox({
            $0.contactCount = 50  // customer@example.com is contact 42
            $0.apiKeys = [Self.key]  // any other key is refused
        }) { url in
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": home.path,
            ]
            var outputs: [(String, String)] = []
            func run(_ arguments: [String], _ extra: [String: String] = [:]) async throws -> CLIRun {
                let result = try await CLI.run(arguments, environment: environment.merging(extra) { _, new in new }, home: home)
                outputs.append((arguments.joined(separator: " "), result.stdout + result.stderr))
                return result
            }
            #expect(try await run(["contacts", "get", "customer@example.com", "--json", "--debug", "--fresh"]).status == 0)
            #expect(try await run(["contacts", "get", "customer@example.com", "-v", "--debug"]).status == 0)
            #expect(try await run(["contacts", "update", "42", "--field", "plan=pro", "--debug"]).status == 0)
            #expect(try await run(["contacts", "upsert", "--email", "new-secret@example.com", "--json", "--debug"]).status == 0)
            #expect(try await run(["fields", "list", "--json", "--debug"]).status == 0)
            #expect(try await run(["sync", "--debug"]).status == 0)
            #expect(try await run(["outbox", "list"]).status == 0)
            #expect(try await run(["cache", "stats"]).status == 0)
            // Errors: a refused key, a dead server, a key given on the command line.
            let refused = try await run(["contacts", "get", "customer@example.com", "--fresh", "--debug"], ["MINIMO_API_KEY": "mn-wrongkey-" + Self.secretPart])
            #expect(refused.status == 3)
            let dead = try await run(["contacts", "get", "nobody@example.com", "--debug", "--timeout", "3"], ["MINIMO_BASE_URL": "http://127.0.0.1:9"])
            #expect(dead.status == 6)
            let onCommandLine = try await run(["contacts", "get", "customer@example.com", "--api-key", Self.key, "--fresh"])
            #expect(onCommandLine.stderr.contains("warning: --api-key"))

            // The TUI with --debug: raw view, request log, an exchange opened from the log.
            // --ttl 0: what the commands above cached (the contact; the definitions, which
            // `fields list` stores) is asked for again, so the TUI's debug log has requests.
            let tmux = try TmuxSession(arguments: ["--debug", "--ttl", "0"], environment: environment.merging(["HOME": home.path]) { _, new in new })
            defer { tmux.close() }
            var screens: [String] = []
            screens.append(try await tmux.waitFor("Search email"))
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            screens.append(try await tmux.waitFor("Contact #42"))
            // The field definitions have come (their display names show), so their request is
            // in the log opened below: on a loaded machine it can still be on its way otherwise.
            screens.append(try await tmux.waitFor("Plan", timeout: 40))
            try tmux.press("r")
            // The raw view shows the masked key (waited for whole: a frame arrives in several writes).
            screens.append(try await tmux.waitFor("Authorization: Bearer mn-se…•••"))
            try tmux.press("r", "L")
            screens.append(try await tmux.waitFor("/custom-fields"))  // the log has loaded
            try tmux.press("Enter")
            screens.append(try await tmux.waitFor("Authorization"))
            screens.append(try tmux.tmux(["capture-pane", "-p", "-e", "-S", "-", "-t", tmux.name]))
            try tmux.press("Escape", "Escape", "C-c")
            try await tmux.waitFor("MINIMO-EXITED 0")
            screens.append(try tmux.screen())

            // A process aborted in the middle of a request (the sandbox answers slowly).
            try await withSandbox({ $0.faults = FaultConfiguration(slowRate: 1, slowMilliseconds: 3000) }) { slow in
                let child = Process()
                child.executableURL = CLI.binary
                child.arguments = ["contacts", "get", "customer@example.com", "--debug"]
                child.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "MINIMO_BASE_URL": slow.absoluteString,
                                     "MINIMO_API_KEY": Self.key, "MINIMO_CACHE_DIR": home.appendingPathComponent("aborted").path]
                let output = Pipe()
                child.standardOutput = output
                child.standardError = output
                try child.run()
                // Its cache is opened just before its request, which the sandbox holds for 3 s.
                let database = home.appendingPathComponent("aborted")
                _ = try await Poll.holds(within: 20) { files(under: database).contains(where: { $0.0.hasSuffix(".sqlite") }) }
                kill(child.processIdentifier, SIGABRT)
                let data = await OffPool.run { output.fileHandleForReading.readDataToEndOfFile() }
                await OffPool.run { child.waitUntilExit() }
                let text = String(decoding: data, as: UTF8.self)
                // The abort landed mid-request: Swift's backtracer printed the crash report.
                #expect(text.contains("Program crashed") || child.terminationStatus != 0, "output:\n\(text)")
                outputs.append(("aborted mid-request", text))
            }

            for (command, text) in outputs {
                #expect(!leaks(text), "the key leaked in the output of `\(command)`:\n\(text)")
            }
            for screen in screens {
                #expect(!leaks(screen), "the key leaked on screen:\n\(screen)")
            }
            let stored = files(under: home)
            #expect(stored.contains { $0.0.hasSuffix(".sqlite") || $0.0.hasSuffix(".db") }, "no cache database found")
            #expect(stored.contains { $0.0 == "debug.log" }, "the TUI's --debug log was not written")
            for (name, data) in stored {
                #expect(data.range(of: Data(Self.secretPart.utf8)) == nil, "the key is in \(name)")
            }
            // The debug log did log the requests (so the check above read something real).
            let log = stored.first { $0.0 == "debug.log" }.map { String(decoding: $0.1, as: UTF8.self) } ?? ""
            #expect(log.contains("GET /"))
        }
    }
}
