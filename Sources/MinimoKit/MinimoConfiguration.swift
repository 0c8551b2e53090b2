import Foundation

/// How to reach one Minimo account.
public struct MinimoConfiguration: Sendable {
    /// `https://api.minimo.it` for the real API. A path already ending in `/public/v1` or `/v1`
    /// is used as it is; otherwise `/public/v1` is appended (the reference's prefix).
    public var baseURL: URL
    /// `mn-CLIENT_ID-SECRET`. Sent as `Authorization: Bearer ...`, masked everywhere else.
    public var apiKey: String
    /// Seconds a request may take, connection included, before it counts as a network error.
    public var timeout: Double
    public var retry: RetryPolicy
    public var gate: QuotaGate.Configuration
    public var userAgent: String
    /// Trusted certificate authorities and the proxy; the system's and none by default.
    public var network: NetworkConfiguration

    public static let defaultBaseURL = URL(string: "https://api.minimo.it")!

    public init(
        baseURL: URL = MinimoConfiguration.defaultBaseURL, apiKey: String, timeout: Double = 15,
        retry: RetryPolicy = .init(), gate: QuotaGate.Configuration = .init(), userAgent: String = "minimo/\(MinimoVersion.current)", network: NetworkConfiguration = .direct
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.retry = retry
        self.gate = gate
        self.userAgent = userAgent
        self.network = network
    }

    /// The base with its API prefix, after the HTTPS check: plain HTTP is accepted only for
    /// loopback hosts (the sandbox), since the key would otherwise cross the network in clear.
    public func resolvedAPIBase() throws -> String {
        guard let components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            throw MinimoError(.insecureURL, message: "'\(baseURL.absoluteString)' is not a usable base URL (expected https://host)")
        }
        switch scheme {
        case "https": break
        case "http" where Self.isLoopback(host): break
        case "http":
            throw MinimoError(
                .insecureURL,
                message: "refusing plain HTTP to \(host): the API key would travel unencrypted; use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost)")
        default:
            throw MinimoError(.insecureURL, message: "unsupported URL scheme '\(scheme)' (expected https)")
        }
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/public/v1") || base.hasSuffix("/v1") { return base }
        return base + "/public/v1"
    }

    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }
}
