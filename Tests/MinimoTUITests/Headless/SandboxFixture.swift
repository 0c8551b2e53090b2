import Foundation
import MinimoCache
import MinimoKit
import MinimoSandbox
import Testing

/// A real sandbox on 127.0.0.1 and a private cache directory, for one test: what the TUI's
/// store talks to over real HTTP, and what the test reads back (a separate client with its
/// own key, the sandbox's own endpoints). Stopped and removed afterwards, even on a throw.
final class SandboxFixture: @unchecked Sendable {
    static let key = "mn-test-headless-0123456789abcdef"
    private(set) var server: SandboxServer?
    private(set) var configuration: SandboxConfiguration
    let url: URL
    let cache: URL

    private init(server: SandboxServer, configuration: SandboxConfiguration, url: URL, cache: URL) {
        self.server = server
        self.configuration = configuration
        self.url = url
        self.cache = cache
    }

    static func with<T>(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (SandboxFixture) async throws -> T
    ) async throws -> T {
        var configuration = SandboxConfiguration()
        configuration.contactCount = 50
        configure(&configuration)
        let server = SandboxServer(configuration: configuration)
        let url = try await server.start()
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-headless-\(UUID())")
        let fixture = SandboxFixture(server: server, configuration: configuration, url: url, cache: cache)
        defer { try? FileManager.default.removeItem(at: cache) }
        do {
            let result = try await body(fixture)
            await fixture.stopServer()
            return result
        } catch {
            await fixture.stopServer()
            throw error
        }
    }

    /// The server goes away: its port refuses connections.
    func stopServer() async {
        await server?.stop()
        server = nil
    }

    /// The server comes back on the same address (its data starts afresh from the seed).
    func restartServer() async throws {
        configuration.port = url.port ?? 0
        let server = SandboxServer(configuration: configuration)
        _ = try await server.start()
        self.server = server
    }

    /// A store on this cache, as the `minimo` command opens one for the TUI (profile "default").
    func store(readOnly: Bool = false) throws -> ContactStore {
        let client = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: Self.key, timeout: 30))
        return try ContactStore(client: client, location: CacheLocation(directory: cache), profile: "default", readOnly: readOnly)
    }

    /// Another client, with its own key: a second person on the dashboard.
    func otherClient() throws -> MinimoClient {
        try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-other-0123456789", timeout: 30))
    }

    /// The contact as the server holds it now.
    func serverContact(_ email: String = "customer@example.com") async throws -> Contact {
        try await otherClient().contact(email: email).value
    }

    /// One of the sandbox's own endpoints (`/__sandbox/stats`, `/__sandbox/applied`, faults).
    func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: method, url: url.absoluteString + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: body?.serialized()),
            timeout: 30)
        return (try? JSONValue.parse(response.body)) ?? .null
    }

    func stats() async throws -> JSONValue { try await call("GET", "/__sandbox/stats") }

    func writesApplied() async throws -> Int64 { try await stats()["writesApplied"]?.intValue ?? -1 }

    func count429() async throws -> Int64 { try await stats()["requests"]?["byStatus"]?["429"]?.intValue ?? 0 }

    /// The sandbox answers the next API request with `answer` (a status, or a full answer).
    func scriptFault(_ answer: JSONValue) async throws {
        _ = try await call("POST", "/__sandbox/faults", body: ["next": [answer]])
    }
}
