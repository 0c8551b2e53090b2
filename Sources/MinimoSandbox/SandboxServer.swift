import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import ServiceLifecycle

/// A local, Minimo-compatible HTTP server (Hummingbird 2) for developing and testing a client
/// without spending a real account's quota: it serves the contact and custom-field endpoints
/// under `/public/v1` and `/v1` with the docs' shapes, rate limits, idempotency and optional
/// faults, and reports what it saw at `GET /__sandbox/stats`.
///
/// ```swift
/// let server = SandboxServer(configuration: SandboxConfiguration())
/// let baseURL = try await server.start()     // http://127.0.0.1:PORT
/// // ... GET \(baseURL)/public/v1/contacts/by-email/customer%40example.com
/// await server.stop()
/// ```
///
/// Keys: `Authorization: Bearer mn-<client>-<secret>` (any such key when
/// `SandboxConfiguration.apiKeys` is empty), `demoAPIKey` always; keys starting `mn-readonly-`
/// can read but get 403 `forbidden` on writes.
public actor SandboxServer {
    /// A key every sandbox accepts, whatever `SandboxConfiguration.apiKeys` says.
    public static let demoAPIKey = "mn-demo-sandboxkey"

    /// The configuration this server was made with.
    public nonisolated let configuration: SandboxConfiguration
    private let logger: Logger
    private let store: SandboxStore
    private var group: ServiceGroup?
    private var runTask: Task<Void, Never>?
    private var baseURL: URL?

    /// Makes a server; nothing is bound until `start()`. The seed data is built here.
    /// - Parameter logger: defaults to a quiet logger (warnings and worse).
    public init(configuration: SandboxConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? {
            var quiet = Logger(label: "minimo.sandbox")
            quiet.logLevel = .warning
            return quiet
        }()
        self.store = SandboxStore(configuration: configuration, demoKey: Self.demoAPIKey)
    }

    /// The base URL while running (`http://HOST:PORT`, `https://` with TLS, no trailing slash, no `/public/v1`).
    public var url: URL? { baseURL }

    /// Binds and serves; returns the base URL, e.g. `http://127.0.0.1:54321`. Calling it again
    /// while running returns the same URL.
    /// - Throws: the bind error, e.g. when the port is taken.
    public func start() async throws -> URL {
        if let baseURL { return baseURL }
        guard group == nil else { throw SandboxServerError(message: "The sandbox is already starting") }
        let (ports, portContinuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let handler = SandboxRequestHandler(store: store)
        let server: HTTPServerBuilder = try configuration.tls.map { try .tls(.http1(), tlsConfiguration: Self.serverTLS($0)) } ?? .http1()
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, context in
                try await handler.respond(to: request, context: context)
            },
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? -1)
            },
            logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        runTask = Task {
            do {
                try await group.run()
                portContinuation.finish()
            } catch {
                portContinuation.finish(throwing: error)
            }
        }
        var iterator = ports.makeAsyncIterator()
        let port: Int?
        do {
            port = try await iterator.next()
        } catch {
            await reset()
            throw error
        }
        guard let port, port > 0 else {
            await stop()
            throw SandboxServerError(message: "The sandbox stopped before listening on \(configuration.host):\(configuration.port)")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        guard let url = URL(string: "\(configuration.tls == nil ? "http" : "https")://\(host):\(port)") else {
            await stop()
            throw SandboxServerError(message: "Cannot form a URL from host \(configuration.host)")
        }
        baseURL = url
        logger.info("Minimo sandbox listening", metadata: ["url": "\(url.absoluteString)"])
        return url
    }

    /// The server side of TLS from PEM text; a file that is not PEM gets a sentence, not a
    /// BoringSSL error stack.
    static func serverTLS(_ tls: SandboxTLS) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(tls.certificateChainPEM.utf8))
        } catch {
            throw SandboxServerError(message: "the TLS certificate is not a PEM certificate chain (-----BEGIN CERTIFICATE-----)")
        }
        guard !chain.isEmpty else { throw SandboxServerError(message: "the TLS certificate file holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw SandboxServerError(message: "the TLS key is not a PEM private key (-----BEGIN PRIVATE KEY-----), or it is encrypted")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SandboxServerError(message: "the TLS key does not belong to the certificate (the first certificate of the chain must be the key's)")
        }
        return configuration
    }

    /// Stops gracefully (in-flight requests finish) and waits until the port is released.
    public func stop() async {
        guard let group else { return }
        await group.triggerGracefulShutdown()
        await runTask?.value
        await reset()
    }

    private func reset() async {
        group = nil
        runTask = nil
        baseURL = nil
    }
}
