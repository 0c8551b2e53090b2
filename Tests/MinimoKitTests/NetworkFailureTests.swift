import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import MinimoKit

/// Each error the transport can meet (AsyncHTTPClient's, NIO's, the system's) is told apart
/// by its type into one `NetworkFailure` case, whose sentence is what users read.
@Suite struct NetworkFailureTests {
    let url = "http://api.example.com:8080/public/v1/contacts/by-email/a%40b.example"
    let server = "api.example.com:8080"

    func kind(_ error: any Error) -> NetworkFailure.Kind {
        NetworkFailure.classify(error, url: url, timeout: 5).kind
    }

    @Test(arguments: [
        (HTTPClientError.deadlineExceeded, NetworkFailure.Kind.timedOut),
        (.readTimeout, .timedOut), (.writeTimeout, .timedOut), (.connectTimeout, .timedOut),
        (.tlsHandshakeTimeout, .timedOut), (.getConnectionFromPoolTimeout, .timedOut),
        (.remoteConnectionClosed, .connectionClosed), (.uncleanShutdown, .connectionClosed),
        (.invalidURL, .other), (.bodyLengthMismatch, .other),
    ])
    func asyncHTTPClientErrors(_ error: HTTPClientError, _ expected: NetworkFailure.Kind) {
        #expect(kind(error) == expected)
    }

    @Test func nioChannelErrors() {
        #expect(kind(ChannelError.connectTimeout(.seconds(10))) == .timedOut)
        for closed in [ChannelError.eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed] {
            #expect(kind(closed) == .connectionClosed, "\(closed)")
        }
        #expect(kind(ChannelError.writeHostUnreachable) == .unreachable)
        #expect(kind(ChannelError.operationUnsupported) == .other)
    }

    @Test(arguments: [
        (ECONNREFUSED, NetworkFailure.Kind.refused), (ENETUNREACH, .unreachable), (EHOSTUNREACH, .unreachable),
        (ENETDOWN, .unreachable), (ETIMEDOUT, .timedOut), (ECONNRESET, .connectionClosed), (EPIPE, .connectionClosed),
        (EINVAL, .other),
    ])
    func systemErrorsByErrno(_ code: CInt, _ expected: NetworkFailure.Kind) {
        #expect(kind(IOError(errnoCode: code, reason: "connect")) == expected)
    }

    @Test func otherTypedErrors() {
        #expect(kind(NIOTooManyBytesError(maxBytes: 1024)) == .answerTooLarge)
        #expect(kind(NIOSSLError.uncleanShutdown) == .connectionClosed)
        let tls = TLSFailure(cause: .untrusted, server: server, trust: .system)
        #expect(NetworkFailure.classify(tls, url: url, timeout: 5).message == tls.message)
        #expect(kind(tls) == .tls)
        #expect(!NetworkFailure.tls(tls).retryable)
        let proxy = ProxyFailure(message: "the proxy p:3128 refused the credentials", retryable: false)
        #expect(kind(proxy) == .proxy)
        #expect(!NetworkFailure.proxy(proxy).retryable)
        #expect(kind(CocoaError(.fileReadUnknown)) == .other)
    }

    /// The parts of a `NIOConnectionError` (its initialiser is NIO's own): no attempt means no
    /// address; every address refusing is a refusal; otherwise the first cause that says more.
    @Test func failedConnections() {
        func connection(lookupsFailed: Bool, _ attempts: [any Error]) -> NetworkFailure {
            NetworkFailure.classifyConnection(host: "api.example.com", server: server, lookupsFailed: lookupsFailed, attempts: attempts, timeout: 5)
        }
        #expect(connection(lookupsFailed: true, []).kind == .dnsFailed)
        #expect(connection(lookupsFailed: false, []).kind == .dnsFailed)  // resolved to no address
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        #expect(connection(lookupsFailed: false, [refused, refused]).message == "cannot connect to \(server): connection refused")
        #expect(connection(lookupsFailed: true, [refused, IOError(errnoCode: EHOSTUNREACH, reason: "connect")]).kind == .unreachable)
        #expect(connection(lookupsFailed: false, [ChannelError.connectTimeout(.seconds(1)), refused]).kind == .timedOut)
    }

    @Test func sentencesKeepTheWordsUsersKnow() {
        #expect(NetworkFailure.refused(server: "127.0.0.1:9").message == "cannot connect to 127.0.0.1:9: connection refused")
        #expect(NetworkFailure.timedOut(server: "h:1", seconds: 10).message == "no answer from h:1 within 10 s")
        #expect(NetworkFailure.timedOut(server: "h:1", seconds: 0.25).message == "no answer from h:1 within 0.25 s")
        #expect(
            NetworkFailure.connectionClosed(server: "h:1").message == "the connection to h:1 was closed before the answer was complete")
        #expect(NetworkFailure.dnsFailed(host: "nowhere.invalid").message.contains("cannot find the host nowhere.invalid"))
    }

    // MARK: - The real transport, on loopback

    /// A port with nothing listening: bound, then closed (the kernel refuses connections to it).
    func closedPort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    func failure(_ url: String, timeout: Double = 5) async -> NetworkFailure? {
        do {
            _ = try await AsyncHTTPClientTransport().execute(
                TransportRequest(method: "GET", url: url, headers: [], body: nil), timeout: timeout)
            return nil
        } catch {
            return error as? NetworkFailure
        }
    }

    @Test func aRefusedConnectionThroughTheTransport() async throws {
        let port = try closedPort()
        let failure = await failure("http://127.0.0.1:\(port)/public/v1/custom-fields")
        #expect(failure?.kind == .refused, "\(String(describing: failure))")
        #expect(failure?.message == "cannot connect to 127.0.0.1:\(port): connection refused")
    }

    @Test func aNameThatDoesNotResolveThroughTheTransport() async throws {
        // `.invalid` never resolves (RFC 2606).
        let failure = await failure("http://minimo-test.invalid/public/v1/custom-fields")
        #expect(failure?.kind == .dnsFailed, "\(String(describing: failure))")
        #expect(failure?.message.contains("minimo-test.invalid") == true)
    }

    /// A server that accepts connections and then either never answers or closes at once.
    final class SilentServer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let closeAtOnce: Bool
        init(closeAtOnce: Bool) { self.closeAtOnce = closeAtOnce }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if closeAtOnce { context.close(promise: nil) }
        }
    }

    func withServer<T>(closeAtOnce: Bool, _ body: (Int) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SilentServer(closeAtOnce: closeAtOnce)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let result = try await body(channel.localAddress!.port!)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    @Test func noAnswerInTimeThroughTheTransport() async throws {
        try await withServer(closeAtOnce: false) { port in
            let failure = await failure("http://127.0.0.1:\(port)/public/v1/custom-fields", timeout: 0.5)
            #expect(failure?.kind == .timedOut, "\(String(describing: failure))")
            #expect(failure?.message == "no answer from 127.0.0.1:\(port) within 0.5 s")
        }
    }

    @Test func aConnectionClosedBeforeTheAnswerThroughTheTransport() async throws {
        try await withServer(closeAtOnce: true) { port in
            let failure = await failure("http://127.0.0.1:\(port)/public/v1/custom-fields")
            #expect(failure?.kind == .connectionClosed, "\(String(describing: failure))")
        }
    }

    /// The client records the cause with the exchange, so the request log (and the soak's
    /// tally) read it without parsing the sentence.
    @Test func theClientRecordsTheCauseWithTheExchange() async throws {
        let port = try closedPort()
        let recorder = ExchangeRecorder()
        let client = try MinimoClient(
            configuration: MinimoConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: "mn-test-network-0123", timeout: 5),
            clock: RecordingClock(), recorder: recorder)
        let error = await minimoError { _ = try await client.customFields() }
        #expect(error?.kind == .network)
        #expect(error?.message == "cannot connect to 127.0.0.1:\(port): connection refused")
        let exchanges = await recorder.exchanges
        #expect(!exchanges.isEmpty)
        #expect(exchanges.allSatisfy { $0.failure == .refused && $0.status == nil })
    }
}
