import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// A TLS connection that failed, with its cause in one sentence a person can act on.
///
/// The causes come from the errors' types, never from their text: NIOSSL reports a wrong name
/// as `NIOSSLExtraError.failedToValidateHostname`, but an untrusted and an expired certificate
/// alike as `NIOSSLError.handshakeFailed` (BoringSSL's verification result stays inside
/// NIOSSL). So after a failed handshake, ``diagnose(_:url:network:timeout:)`` opens one more
/// connection that records the certificates the server presents and accepts them: if that
/// handshake completes, the certificate was the problem (expired when its dates say so,
/// otherwise not signed by a trusted authority); if it fails too, the handshake itself is. The
/// probe sends nothing but the handshake (no request, no key) and is closed at once.
public struct TLSFailure: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable, Equatable {
        /// Not signed by an authority in the trust store (self-signed, a company CA not trusted).
        case untrusted
        /// Valid, but for another name than the URL's host.
        case wrongHostname
        case expired(Date)
        case notYetValid(Date)
        /// No TLS session at all: not TLS on that port, no common version or cipher, cut.
        case handshake
    }

    public var cause: Cause
    /// `host:port` as the URL names it.
    public var server: String
    /// The trust store in use, for the untrusted sentence.
    public var trust: TrustStore

    public init(cause: Cause, server: String, trust: TrustStore) {
        self.cause = cause
        self.server = server
        self.trust = trust
    }

    public var description: String { message }

    public var message: String {
        switch cause {
        case .untrusted:
            let fix = trust.isSystem
                ? "if it is signed by a company or private CA, put that CA in a PEM file and name it with ca_file in the profile or SSL_CERT_FILE"
                : "it is not among \(trust.summary); add its CA there"
            return "TLS: the certificate of \(server) is not signed by a certificate authority minimo trusts: \(fix)"
        case .wrongHostname:
            return "TLS: the certificate of \(server) is for another host name: check the base URL (the host must be one the certificate names)"
        case .expired(let date):
            return "TLS: the certificate of \(server) expired on \(Self.format(date)): the server must renew it (or this machine's clock is wrong)"
        case .notYetValid(let date):
            return "TLS: the certificate of \(server) is not valid before \(Self.format(date)): check this machine's clock"
        case .handshake:
            return "TLS: the handshake with \(server) failed: the server does not speak TLS on that port, or it shares no TLS version or cipher with minimo (is the URL http:// rather than https://?)"
        }
    }

    private static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The TLS failure `error` stands for, or nil when it is not a TLS error.
    public static func diagnose(_ error: any Error, url: String, network: NetworkConfiguration, timeout: Double) async -> TLSFailure? {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https", let host = components.host else {
            return nil
        }
        let port = components.port ?? 443
        let server = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        func failure(_ cause: Cause) -> TLSFailure { TLSFailure(cause: cause, server: server, trust: network.trust) }

        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return failure(.wrongHostname)
        }
        guard let sslError = error as? NIOSSLError else { return nil }
        switch sslError {
        case .handshakeFailed:
            break
        case .unableToValidateCertificate, .noCertificateToValidate:
            return failure(.untrusted)
        default:
            return nil
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let chain = await TLSProbe.presentedChain(host: bare, port: port, proxy: network.proxy, timeout: min(max(timeout, 1), 10))
        guard let leaf = chain?.first else { return failure(.handshake) }
        let now = Date()
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        if notAfter < now { return failure(.expired(notAfter)) }
        if notBefore > now { return failure(.notYetValid(notBefore)) }
        return failure(.untrusted)
    }
}

/// The diagnostic connection of ``TLSFailure``: a handshake that accepts any certificate and
/// reports the chain, through the same proxy tunnel as the real request.
enum TLSProbe {
    /// The chain the server presented, when a handshake accepting it completed; nil otherwise.
    static func presentedChain(host: String, port: Int, proxy: ProxyServer?, timeout: Double) async -> [NIOSSLCertificate]? {
        let recorder = ChainRecorder()
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let done = eventLoop.makePromise(of: Void.self)
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: .makeClientConfiguration()) } catch { return nil }
        // SNI carries names only; for an IP address the certificate is read all the same.
        let serverName = IPAddressBytes(host) == nil ? host : nil
        @Sendable func addTLS(_ channel: Channel) throws {
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                recorder.chain = certificates
                promise.succeed(.certificateVerified)
            }
            try channel.pipeline.syncOperations.addHandlers([tls, HandshakeWatcher(done: done)])
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let proxy {
                        try channel.pipeline.syncOperations.addHandler(
                            ConnectTunnel(target: "\(host.contains(":") ? "[\(host)]" : host):\(port)", proxy: proxy, done: done, then: addTLS))
                    } else {
                        try addTLS(channel)
                    }
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: proxy?.host ?? host, port: proxy?.port ?? port).get()
        } catch {
            done.fail(error)
            return nil
        }
        let timer = eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { done.fail(ChannelError.connectTimeout(.seconds(Int64(timeout)))) }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            try await done.futureResult.get()
            return recorder.chain
        } catch {
            return nil
        }
    }

    final class ChainRecorder: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [NIOSSLCertificate]?
        var chain: [NIOSSLCertificate]? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    /// Completes `done` when the handshake does, fails it on an error or a close.
    final class HandshakeWatcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<Void>
        init(done: EventLoopPromise<Void>) { self.done = done }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted? = event as? TLSUserEvent { done.succeed() }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }

    /// `CONNECT host:port` to an HTTP proxy; on a 2xx it steps aside and `then` adds TLS.
    final class ConnectTunnel: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        let target: String
        let proxy: ProxyServer
        let done: EventLoopPromise<Void>
        let then: @Sendable (Channel) throws -> Void
        private var head: [UInt8] = []

        init(target: String, proxy: ProxyServer, done: EventLoopPromise<Void>, then: @escaping @Sendable (Channel) throws -> Void) {
            self.target = target
            self.proxy = proxy
            self.done = done
            self.then = then
        }

        func channelActive(context: ChannelHandlerContext) {
            var request = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
            if let user = proxy.username {
                let credentials = Data("\(user):\(proxy.password ?? "")".utf8).base64EncodedString()
                request += "Proxy-Authorization: Basic \(credentials)\r\n"
            }
            request += "\r\n"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            head += buffer.readBytes(length: buffer.readableBytes) ?? []
            guard let end = head.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let statusLine = String(decoding: head[..<(head.firstIndex(of: 13) ?? end.lowerBound)], as: UTF8.self)
            let parts = statusLine.split(separator: " ")
            guard parts.count >= 2, let status = Int(parts[1]), (200..<300).contains(status) else {
                done.fail(ChannelError.inappropriateOperationForState)
                context.close(promise: nil)
                return
            }
            do {
                try then(context.channel)
                context.pipeline.syncOperations.removeHandler(self, promise: nil)
            } catch {
                done.fail(error)
                context.close(promise: nil)
            }
        }
    }
}
