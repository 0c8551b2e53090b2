import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A request as the transport sends it.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Data?

    public init(method: String, url: String, headers: [HTTPHeader], body: Data?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An answer as it came off the wire, body read in full.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, headers: [HTTPHeader], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The seam between the client core and HTTP. There is one real implementation; tests run it
/// against the sandbox over loopback rather than faking the wire.
public protocol HTTPTransport: Sendable {
    func execute(_ request: TransportRequest, timeout: Double) async throws -> TransportResponse
}

/// HTTP over AsyncHTTPClient: keep-alive connection pool, TLS for https.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// One client per process, never shut down (so it is never deinitialised either).
    ///
    /// Unlike `HTTPClient.shared` it does not retry failed connection attempts until the
    /// request's deadline: a refused connection must surface at once, so the status bar can say
    /// offline and our own retry policy (bounded, with jitter) decides what happens next. It never
    /// follows redirects: a redirect could carry the `Authorization` header to another host.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.idleTimeout = .seconds(60)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Bodies beyond this are refused rather than buffered without bound.
    public var maxBodyBytes: Int

    public init(maxBodyBytes: Int = 32 * 1024 * 1024) {
        self.maxBodyBytes = maxBodyBytes
    }

    public func execute(_ request: TransportRequest, timeout: Double) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1_000_000_000))
        let response = try await Self.client.execute(outgoing, deadline: deadline)
        let buffer = try await response.body.collect(upTo: maxBodyBytes)
        return TransportResponse(
            status: Int(response.status.code),
            headers: response.headers.map { HTTPHeader($0.name, $0.value) },
            body: Data(buffer.readableBytesView))
    }
}
