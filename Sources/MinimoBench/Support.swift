import Foundation
import MinimoKit
import MinimoSandbox

/// Nanoseconds on the monotonic clock.
@inline(__always) func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Times one call, in milliseconds.
func milliseconds(since start: UInt64) -> Double { Double(monotonicNanoseconds() - start) / 1e6 }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// `name n=… p50 … p95 … p99 … max …` in the unit given (values are milliseconds).
func distribution(_ name: String, _ values: [Double], microseconds: Bool = false) -> String {
    let sorted = values.sorted()
    let scale = microseconds ? 1000.0 : 1.0
    let unit = microseconds ? "µs" : "ms"
    let format = microseconds ? "%.0f" : "%.2f"
    func v(_ x: Double) -> String { String(format: format, x * scale) + " " + unit }
    return "  \(name) n=\(sorted.count)  p50 \(v(percentile(sorted, 0.5)))  p95 \(v(percentile(sorted, 0.95)))  "
        + "p99 \(v(percentile(sorted, 0.99)))  max \(v(sorted.last ?? 0))"
}

/// Deterministic pseudo-random numbers (SplitMix64), so every run uses the same data. The
/// sandbox has its own copy: it shares no code with the client side.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func syntheticEmail(_ index: Int, _ random: inout SplitMix) -> String {
    let first = ["giulia", "marco", "anna", "luca", "sofia", "matteo", "chiara", "paolo", "elena", "davide", "yuki", "josé"]
    let last = ["rossi", "bianchi", "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti", "tanaka", "müller"]
    let domains = ["example.com", "example.it", "azienda.it", "mail.example.org", "studio-legale.it", "shop.example.net"]
    return "\(first.randomElement(using: &random)!).\(last.randomElement(using: &random)!)\(index)@\(domains.randomElement(using: &random)!)"
}

/// A contact shaped like the API's, with a few custom fields, for filling caches.
func syntheticContact(_ index: Int, _ random: inout SplitMix) -> Contact {
    let address = syntheticEmail(index, &random)
    let plans = ["free", "pro", "enterprise"]
    let custom: [String: JSONValue] = [
        "company": .string("Azienda \(index % 997)"), "plan": .string(plans.randomElement(using: &random)!),
        "seats": .int(Int64(index % 250)),
    ]
    let id = Int64(index + 1)
    return Contact(
        id: ContactID(id), email: address, phone: "+39339\(String(format: "%07d", index % 10_000_000))", status: "active",
        source: "API", customFields: custom, marketingConsent: MarketingConsent(email: index % 2 == 0, whatsapp: index % 3 == 0),
        fields: ["id": .int(id), "email": .string(address), "custom_fields": .object(custom)])
}

/// A temporary directory removed when the value goes.
final class TemporaryDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-bench-\(UUID())")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A sandbox in this process on a free loopback port.
func startSandbox(contacts: Int, rateLimit: String) async throws -> (SandboxServer, URL) {
    var configuration = SandboxConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.contactCount = contacts
    configuration.rateLimit = try RateLimitRule(parsing: rateLimit)
    let server = SandboxServer(configuration: configuration)
    return (server, try await server.start())
}

/// `GET /__sandbox/stats`, through the client's transport (the bench measures, it does not
/// re-implement HTTP).
func sandboxStats(_ url: URL) async throws -> JSONValue {
    let response = try await AsyncHTTPClientTransport().execute(
        TransportRequest(method: "GET", url: url.absoluteString + "/__sandbox/stats", headers: [], body: nil), timeout: 10)
    return try JSONValue.parse(response.body)
}

func routeCount(_ stats: JSONValue, _ route: String) -> Int64 { stats["requests"]?["byRoute"]?[route]?.intValue ?? 0 }
func statusCount(_ stats: JSONValue, _ status: String) -> Int64 { stats["requests"]?["byStatus"]?[status]?.intValue ?? 0 }

let byEmailRoute = "GET /public/v1/contacts/by-email/{email}"
let listRoute = "GET /public/v1/contacts"

func client(_ url: URL, key: String = SandboxServer.demoAPIKey) throws -> MinimoClient {
    try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: key))
}
