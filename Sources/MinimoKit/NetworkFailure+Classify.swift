import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension NetworkFailure {
    /// The failure `error` stands for, by its type: AsyncHTTPClient's `HTTPClientError`, NIO's
    /// `ChannelError`, `IOError` (by errno), `NIOConnectionError` (DNS, then the connection
    /// attempts), `SocketAddressError.UnknownHost`, `NIOTooManyBytesError`, NIOSSL's unclean
    /// shutdown; TLS and proxy failures come already named (`TLSFailure`, `ProxyFailure`).
    /// Anything else is `.other`, with the error's own description for a person to read.
    ///
    /// - Parameters:
    ///   - url: the request's URL: the server the sentences name.
    ///   - timeout: the request's time limit in seconds, for the sentence of a timeout.
    ///   - maxBodyBytes: the largest answer read, for the sentence of a larger one.
    public static func classify(_ error: any Error, url: String, timeout: Double, maxBodyBytes: Int = 0) -> NetworkFailure {
        let server = server(of: url)
        if let failure = error as? NetworkFailure { return failure }
        if let failure = error as? TLSFailure { return .tls(failure) }
        if let failure = error as? ProxyFailure { return .proxy(failure) }
        if let client = error as? HTTPClientError {
            return classify(client, server: server, timeout: timeout)
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return .timedOut(server: server, seconds: timeout)
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return .connectionClosed(server: server)
            case .writeHostUnreachable: return .unreachable(server: server)
            default: return .other(server: server, detail: String(describing: channel))
            }
        }
        if let io = error as? IOError {
            return classify(errno: io.errnoCode, server: server, timeout: timeout)
                ?? .other(server: server, detail: String(describing: io))
        }
        if let connection = error as? NIOConnectionError {
            let lookups = [connection.dnsAError, connection.dnsAAAAError].compactMap { $0 }
            return classifyConnection(
                host: connection.host, server: server, lookupsFailed: !lookups.isEmpty,
                attempts: connection.connectionErrors.map(\.error), timeout: timeout)
        }
        if let unknown = error as? SocketAddressError.UnknownHost {
            return .dnsFailed(host: unknown.host)
        }
        if let tooMany = error as? NIOTooManyBytesError {
            return .answerTooLarge(server: server, limit: tooMany.maxBytes ?? maxBodyBytes)
        }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            return .connectionClosed(server: server)
        }
        return .other(server: server, detail: String(describing: error))
    }

    static func classify(_ error: HTTPClientError, server: String, timeout: Double) -> NetworkFailure {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
            return .timedOut(server: server, seconds: timeout)
        case .remoteConnectionClosed, .uncleanShutdown:
            return .connectionClosed(server: server)
        default:
            return .other(server: server, detail: String(describing: error))
        }
    }

    /// A system call's `errno`, when it names a network failure.
    static func classify(errno code: CInt, server: String, timeout: Double) -> NetworkFailure? {
        switch code {
        case ECONNREFUSED: .refused(server: server)
        case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN: .unreachable(server: server)
        case ETIMEDOUT: .timedOut(server: server, seconds: timeout)
        case ECONNRESET, ECONNABORTED, EPIPE: .connectionClosed(server: server)
        default: nil
        }
    }

    /// A failed connection, from the parts of a `NIOConnectionError`: no attempt made means no
    /// address was found for `host` (the lookups failed, or found nothing); otherwise the
    /// attempts' errors decide: refused when every address refused, else the first failure
    /// that names a cause.
    static func classifyConnection(
        host: String, server: String, lookupsFailed: Bool, attempts: [any Error], timeout: Double
    ) -> NetworkFailure {
        guard !attempts.isEmpty else { return .dnsFailed(host: host) }
        let failures = attempts.map { classify($0, url: "", timeout: timeout) }.map { $0.naming(server) }
        if failures.allSatisfy({ $0.kind == .refused }) { return .refused(server: server) }
        return failures.first { $0.kind != .other && $0.kind != .refused } ?? failures[0]
    }

    /// The same failure, naming `server` (an attempt's error is classified without a URL).
    private func naming(_ server: String) -> NetworkFailure {
        switch self {
        case .refused: .refused(server: server)
        case .unreachable: .unreachable(server: server)
        case .timedOut(_, let seconds): .timedOut(server: server, seconds: seconds)
        case .connectionClosed: .connectionClosed(server: server)
        case .answerTooLarge(_, let limit): .answerTooLarge(server: server, limit: limit)
        case .other(_, let detail): .other(server: server, detail: detail)
        case .dnsFailed, .tls, .proxy: self
        }
    }
}
