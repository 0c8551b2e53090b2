import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// A sandbox, a client and a store on a private temporary cache directory, for one test.
struct CacheHarness {
    let baseURL: URL
    let directory: URL
    let clock: ShiftableClock
    static let key = "mn-test-cache-0123456789abcdef"

    static func with<T>(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (CacheHarness) async throws -> T
    ) async throws -> T {
        var configuration = SandboxConfiguration()
        configuration.contactCount = 30
        configure(&configuration)
        let server = SandboxServer(configuration: configuration)
        let url = try await server.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-cache-test-\(UUID())/minimo")
        let harness = CacheHarness(baseURL: url, directory: directory, clock: ShiftableClock())
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        do {
            let result = try await body(harness)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func client(key: String = CacheHarness.key) throws -> MinimoClient {
        try MinimoClient(configuration: MinimoConfiguration(baseURL: baseURL, apiKey: key, timeout: 30))
    }

    func store(profile: String = "test", policy: FreshnessPolicy = .init(), client: MinimoClient? = nil) throws -> ContactStore {
        try ContactStore(
            client: client ?? self.client(), location: CacheLocation(directory: directory), profile: profile, policy: policy,
            clock: clock)
    }

    func stats() async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(method: "GET", url: baseURL.absoluteString + "/__sandbox/stats", headers: [], body: nil), timeout: 10)
        return try JSONValue.parse(response.body)
    }

    func requests(_ stats: JSONValue, _ route: String) -> Int64 {
        stats["requests"]?["byRoute"]?[route]?.intValue ?? 0
    }

    static let byEmail = "GET /public/v1/contacts/by-email/{email}"
    static let list = "GET /public/v1/contacts"
}

/// Real time plus an offset the test moves forward (the TTL passes without waiting).
final class ShiftableClock: MinimoClock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    func advance(_ seconds: TimeInterval) { lock.withLock { offset += seconds } }
    func now() -> Date { Date().addingTimeInterval(lock.withLock { offset }) }
    func sleep(seconds: Double) async throws { try await SystemClock().sleep(seconds: seconds) }  // ok: clock protocol, unused by these tests
}
