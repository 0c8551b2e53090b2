import ArgumentParser
import Foundation
import MinimoKit
import MinimoSandbox

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded sandbox with seeded data and show minimo working against it.",
        discussion: """
            Needs no account and no key. The full-screen TUI is being built; until it lands, demo runs the \
            sandbox in-process on a free loopback port, looks up a seeded contact through the real client, \
            and prints it with the live quota.
            """)

    @Option(help: "Number of contacts to seed.") var seed = 200

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = 0
        configuration.contactCount = seed
        let server = SandboxServer(configuration: configuration)
        let url = try await server.start()
        do {
            let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: SandboxServer.demoAPIKey))
            let response = try await client.contact(email: "customer@example.com")
            print("minimo demo — embedded sandbox at \(url.absoluteString) (key \(SecretMask.mask(SandboxServer.demoAPIKey)))\n")
            print(HumanOutput.contact(response.value))
            if let quota = response.quota { print("\n\(quota.summary(now: Date()))") }
            let fields = try await client.customFields().value
            print("\n\(fields.count) custom field definitions: \(fields.map { HumanOutput.safe($0.key) }.joined(separator: ", "))")
            print("""

                The full-screen TUI is coming with the next release. Meanwhile, run a sandbox and use the CLI:
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
