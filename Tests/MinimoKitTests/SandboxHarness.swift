import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit

/// A real sandbox on a free loopback port for one test, stopped afterwards even when the test
/// throws. Everything goes over real HTTP.
struct SandboxHarness {
    let server: SandboxServer
    let baseURL: URL
    static let key = "mn-test-harness-0123456789"

    static func with<T>(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (SandboxHarness) async throws -> T
    ) async throws -> T {
        var configuration = SandboxConfiguration()
        configuration.contactCount = 30
        configure(&configuration)
        let server = SandboxServer(configuration: configuration)
        let url = try await server.start()
        let harness = SandboxHarness(server: server, baseURL: url)
        do {
            let result = try await body(harness)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func client(
        key: String = SandboxHarness.key, clock: MinimoClock = SystemClock(), retry: RetryPolicy = .init(),
        gate: QuotaGate.Configuration = .init(), recorder: ExchangeRecorder = ExchangeRecorder()
    ) throws -> MinimoClient {
        try MinimoClient(
            // 30 s: on a loaded CI machine the in-process sandbox can answer late, and a timeout
            // here would become a retry that the tests count.
            configuration: MinimoConfiguration(baseURL: baseURL, apiKey: key, timeout: 30, retry: retry, gate: gate),
            clock: clock, recorder: recorder)
    }

    private func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: method, url: baseURL.absoluteString + path,
                headers: [HTTPHeader("Content-Type", "application/json")], body: body?.serialized()),
            timeout: 30)
        return (try? JSONValue.parse(response.body)) ?? .null
    }

    /// `GET /__sandbox/stats`: what the server saw.
    func stats() async throws -> JSONValue { try await call("GET", "/__sandbox/stats") }

    /// Queues answers for the next API requests (`503`, `"html"`, ...).
    func scriptFaults(_ next: [JSONValue]) async throws {
        _ = try await call("POST", "/__sandbox/faults", body: ["next": .array(next)])
    }

    func count(_ stats: JSONValue, status: Int) -> Int64 {
        stats["requests"]?["byStatus"]?[String(status)]?.intValue ?? 0
    }
}

/// A clock that tells the real time but never really sleeps: it notes each requested delay, so
/// retry tests check the backoff without waiting for it.
final class RecordingClock: MinimoClock, @unchecked Sendable {
    private let lock = NSLock()
    private var delays: [Double] = []

    var sleeps: [Double] { lock.withLock { delays } }

    func now() -> Date { Date() }

    func sleep(seconds: Double) async throws {  // ok: the injected clock's sleep, recorded not slept
        lock.withLock { delays.append(seconds) }
        await Task.yield()
    }
}

/// Awaits `error` thrown by `body` and returns it as a `MinimoError`.
func minimoError(_ body: () async throws -> Void) async -> MinimoError? {
    do {
        try await body()
        return nil
    } catch let error as MinimoError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
