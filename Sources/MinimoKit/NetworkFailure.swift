import Foundation

/// A request that got no answer, by cause, told apart at the transport by the errors' types
/// (see `NetworkFailure+Classify.swift`), never by their text. Its `message` is what a person
/// reads in the status bar, on stderr and in the request log.
public enum NetworkFailure: Error, Sendable, CustomStringConvertible {
    /// Nothing listens at `server` (`host:port`): ECONNREFUSED.
    case refused(server: String)
    /// No route to `server`: ENETUNREACH, EHOSTUNREACH, or the write could not reach the host.
    case unreachable(server: String)
    /// No answer from `server` within `seconds` (connect, read or the whole request).
    case timedOut(server: String, seconds: Double)
    /// The name `host` could not be resolved.
    case dnsFailed(host: String)
    /// The connection closed (reset, EOF) before the answer was complete.
    case connectionClosed(server: String)
    /// The answer was larger than minimo reads (`limit` bytes).
    case answerTooLarge(server: String, limit: Int)
    /// The TLS connection failed; its cause named.
    case tls(TLSFailure)
    /// The proxy failed, or refused the request.
    case proxy(ProxyFailure)
    /// Anything else the transport threw: what it said of itself.
    case other(server: String, detail: String)

    /// The cause alone, for counting and for the stored request log.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case refused, unreachable, timedOut, dnsFailed, connectionClosed, answerTooLarge, tls, proxy, other
    }

    public var kind: Kind {
        switch self {
        case .refused: .refused
        case .unreachable: .unreachable
        case .timedOut: .timedOut
        case .dnsFailed: .dnsFailed
        case .connectionClosed: .connectionClosed
        case .answerTooLarge: .answerTooLarge
        case .tls: .tls
        case .proxy: .proxy
        case .other: .other
        }
    }

    /// Whether trying again may help: not for a certificate, a handshake, or credentials the
    /// proxy refused.
    public var retryable: Bool {
        switch self {
        case .tls: false
        case .proxy(let failure): failure.retryable
        case .answerTooLarge: false
        default: true
        }
    }

    public var message: String {
        switch self {
        case .refused(let server):
            return "cannot connect to \(server): connection refused"
        case .unreachable(let server):
            return "cannot reach \(server): no route to the host (network unreachable)"
        case .timedOut(let server, let seconds):
            // A sub-second timeout must not read "within 0 s".
            let limit = seconds >= 1 || seconds <= 0 ? "\(Int(seconds))" : String(format: "%.2g", seconds)
            return "no answer from \(server) within \(limit) s"
        case .dnsFailed(let host):
            return "cannot find the host \(host): the DNS lookup failed (check the base URL, and this machine's DNS)"
        case .connectionClosed(let server):
            return "the connection to \(server) was closed before the answer was complete"
        case .answerTooLarge(let server, let limit):
            return "the answer from \(server) is larger than \(limit / (1024 * 1024)) MB: not read"
        case .tls(let failure):
            return failure.message
        case .proxy(let failure):
            return failure.message
        case .other(let server, let detail):
            return "network error talking to \(server): \(detail)"
        }
    }

    public var description: String { message }

    /// `host:port` of a URL, as the sentences name a server (`the server` when it has none).
    static func server(of url: String) -> String {
        URLComponents(string: url).map { "\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "the server"
    }
}
