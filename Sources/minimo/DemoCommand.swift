import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit
import MinimoSandbox
import MinimoTUI

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Open the TUI on an embedded sandbox with seeded data: no account, no key.",
        discussion: """
            Starts the sandbox in-process on a free loopback port (seeded contacts, a realistic 100/60s \
            rate limit), opens the TUI on it with a throwaway cache, and stops the sandbox on quit. \
            With --plain (or when not on a terminal) it prints one lookup instead.
            """)

    @Option(help: "Number of contacts to seed.") var seed = 200
    @Option(help: ArgumentHelp("Requests per window, as the sandbox takes it.", valueName: "n/window")) var rateLimit = "100/60s"
    @Flag(help: "Print a lookup instead of opening the TUI.") var plain = false

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = 0
        configuration.contactCount = seed
        do { configuration.rateLimit = try RateLimitRule(parsing: rateLimit) } catch {
            throw CLIError(.usage, "--rate-limit: \(error)")
        }
        // The user's keys (`[keys]` of the default config file) hold in the demo too.
        let bindings = try ProfileResolver(options: try GlobalOptions.parse([])).bindings()
        let server = SandboxServer(configuration: configuration)
        let url = try await server.start()
        let tty = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        if !plain && tty {
            let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-demo-\(UUID())")
            defer { try? FileManager.default.removeItem(at: cache) }
            do {
                let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: SandboxServer.demoAPIKey))
                let store = try ContactStore(client: client, location: CacheLocation(directory: cache), profile: "demo")
                // The demo starts with a full list: a sync of the seeded contacts (⌈seed/100⌉ requests).
                _ = try? await store.sync()
                // People, not only addresses: the demo shows what `columns` in a profile does.
                try await TUILauncher.run(
                    store: store, profile: "demo", host: nil, isDemo: true, columns: ["email", "FIRST_NAME", "LAST_NAME", "PLAN"],
                    bindings: bindings)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            return
        }
        do {
            let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: SandboxServer.demoAPIKey))
            let response = try await client.contact(email: "customer@example.com")
            print("minimo demo — embedded sandbox at \(url.absoluteString) (key \(SecretMask.mask(SandboxServer.demoAPIKey)))\n")
            print(HumanOutput.contact(response.value))
            if let quota = response.quota { print("\n\(quota.summary(now: Date()))") }
            let fields = try await client.customFields().value
            print("\n\(fields.count) custom field definitions: \(fields.map { HumanOutput.safe($0.key) }.joined(separator: ", "))")
            print("""

                Run `minimo demo` on a terminal for the TUI, or a sandbox for the CLI:
                  minimo sandbox --port 8080 &
                  MINIMO_BASE_URL=http://127.0.0.1:8080 MINIMO_API_KEY=\(SandboxServer.demoAPIKey) minimo contacts get customer@example.com
                """)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
