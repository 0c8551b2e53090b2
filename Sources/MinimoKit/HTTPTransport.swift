import AsyncHTTPClient
import Foundation
import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOSSL

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

/// HTTP over AsyncHTTPClient: keep-alive connection pool, TLS for https, through a proxy when
/// the network configuration names one.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// One client per network configuration per process, never shut down (so never
    /// deinitialised either): a process talks to one or two.
    ///
    /// Unlike `HTTPClient.shared` it does not retry failed connection attempts until the
    /// request's deadline: a refused connection must surface at once, so the status bar can say
    /// offline and our own retry policy (bounded, with jitter) decides what happens next. It never
    /// follows redirects: a redirect could carry the `Authorization` header to another host.
    static func client(for network: NetworkConfiguration) -> HTTPClient {
        clients.withLockedValue { clients in
            if let client = clients[network] { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10)))
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.connectionPool.idleTimeout = .seconds(60)
            if !network.trust.isSystem {
                var tls = TLSConfiguration.makeClientConfiguration()
                switch (network.trust.caFile, network.trust.caDirectory) {
                case (let file?, let directory?):
                    tls.trustRoots = .file(file)
                    tls.additionalTrustRoots = [.file(directory)]
                case (let file?, nil):
                    tls.trustRoots = .file(file)
                case (nil, let directory?):
                    tls.trustRoots = .file(directory)
                case (nil, nil):
                    break
                }
                configuration.tlsConfiguration = tls
            }
            if let proxy = network.proxy {
                // An HTTP proxy: AsyncHTTPClient opens a CONNECT tunnel for every connection, so
                // an https request's TLS runs end to end through it.
                let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
                configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[network] = client
            return client
        }
    }

    private static let clients = NIOLockedValueBox<[NetworkConfiguration: HTTPClient]>([:])

    /// Bodies beyond this are refused rather than buffered without bound.
    public var maxBodyBytes: Int
    public var network: NetworkConfiguration

    public init(maxBodyBytes: Int = 32 * 1024 * 1024, network: NetworkConfiguration = .direct) {
        self.maxBodyBytes = maxBodyBytes
        self.network = network
    }

    /// Throws ``NetworkFailure`` when no whole answer came, its cause told by the error's type
    /// (a TLS failure diagnosed, a proxy's named); `CancellationError` when the task was cancelled.
    public func execute(_ request: TransportRequest, timeout: Double) async throws -> TransportResponse {
        do {
            return try await send(request, timeout: timeout)
        } catch let error as CancellationError {
            throw error
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            throw NetworkFailure.classify(error, url: request.url, timeout: timeout, maxBodyBytes: maxBodyBytes)
        }
    }

    private func send(_ request: TransportRequest, timeout: Double) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1_000_000_000))
        let response: HTTPClientResponse
        do {
            response = try await Self.client(for: network).execute(outgoing, deadline: deadline)
        } catch {
            if let failure = await TLSFailure.diagnose(error, url: request.url, network: network, timeout: timeout) { throw failure }
            if let proxy = network.proxy, let failure = ProxyFailure.diagnose(error, proxy: proxy, url: request.url) { throw failure }
            throw error
        }
        let buffer = try await response.body.collect(upTo: maxBodyBytes)
        return TransportResponse(
            status: Int(response.status.code),
            headers: response.headers.map { HTTPHeader($0.name, $0.value) },
            body: Data(buffer.readableBytesView))
    }
}
