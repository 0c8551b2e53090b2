import AsyncHTTPClient
import Foundation
import Testing

@testable import MinimoSandbox

/// One HTTP answer as the tests see it.
struct Reply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed with the sandbox's order-preserving parser (exact ints and booleans).
    var json: JSONValue {
        get throws { try JSONParser.parse(body) }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var errorCode: String? {
        (try? json)?["error"]?["code"]?.stringValue
    }
}

/// A client for one running sandbox.
struct SandboxClient: Sendable {
    var base: String
    var key: String? = SandboxServer.demoAPIKey

    func send(
        _ method: String, _ path: String, body: String? = nil, key: String?? = .none, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        let usedKey: String? = key ?? self.key
        if let usedKey { request.headers.add(name: "Authorization", value: "Bearer \(usedKey)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body.utf8))
        }
        // 30 s: with the whole suite starting at once on 2 cores, an in-process sandbox can be slow to
        // answer the first requests (10 s was missed on CI).
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer.readableBytesView))
    }

    func get(_ path: String, key: String?? = .none) async throws -> Reply {
        try await send("GET", path, key: key)
    }

    func stats() async throws -> JSONValue {
        try await send("GET", "/__sandbox/stats", key: .some(nil)).json
    }
}

/// Runs `body` against a fresh sandbox on a free port, stopping it afterwards.
func withSandbox(
    _ configuration: SandboxConfiguration = SandboxConfiguration(contactCount: 50),
    _ body: (SandboxClient) async throws -> Void
) async throws {
    let server = SandboxServer(configuration: configuration)
    let url = try await server.start()
    do {
        try await body(SandboxClient(base: url.absoluteString))
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

extension JSONValue {
    var intValue: Int? {
        if case .int(let number) = self { return number }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var isNull: Bool { self == .null }
}

/// The three rate-limit headers every API answer must carry.
func expectRateLimitHeaders(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.header("X-RateLimit-Limit").flatMap(Int.init) != nil, sourceLocation: sourceLocation)
    #expect(reply.header("X-RateLimit-Remaining").flatMap(Int.init) != nil, sourceLocation: sourceLocation)
    #expect(reply.header("X-RateLimit-Reset").flatMap(Int.init) != nil, sourceLocation: sourceLocation)
}
