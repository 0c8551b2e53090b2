import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A request that failed at the proxy rather than at the API, in a sentence naming the proxy
/// (never its password). Told apart by the errors' types: AsyncHTTPClient's proxy errors, and a
/// refused connection, which with a proxy set can only be the proxy's (the client connects to
/// nothing else).
public struct ProxyFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// False when trying again cannot help (the proxy refused the credentials).
    public var retryable: Bool

    public var description: String { message }

    static func diagnose(_ error: any Error, proxy: ProxyServer, url: String) -> ProxyFailure? {
        let name = "\(proxy.host.contains(":") ? "[\(proxy.host)]" : proxy.host):\(proxy.port)"
        let target = URLComponents(string: url).map { "\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "the server"
        if let client = error as? HTTPClientError {
            switch client {
            case .proxyAuthenticationRequired:
                let fix = proxy.username == nil
                    ? "it wants a user and password: put them in the proxy URL (http://user:password@host:port)"
                    : "check the user and password in the proxy URL"
                return ProxyFailure(message: "the proxy \(name) refused the credentials (407 Proxy Authentication Required): \(fix)", retryable: false)
            case .invalidProxyResponse:
                return ProxyFailure(message: "the proxy \(name) refused to open a tunnel to \(target)", retryable: true)
            case .httpProxyHandshakeTimeout:
                return ProxyFailure(message: "the proxy \(name) did not answer the CONNECT to \(target) in time", retryable: true)
            default:
                return nil
            }
        }
        if Self.isRefused(error) {
            return ProxyFailure(message: "cannot connect to the proxy \(name): connection refused", retryable: true)
        }
        return nil
    }

    private static func isRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        if let connection = error as? NIOConnectionError {
            return !connection.connectionErrors.isEmpty && connection.connectionErrors.allSatisfy { isRefused($0.error) }
        }
        return false
    }
}
