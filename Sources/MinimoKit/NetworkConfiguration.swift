import Foundation

/// How requests reach the API: which certificate authorities are trusted, and which proxy (if
/// any) carries the connection. The executable fills it from the profile and the environment
/// (`ca_file`, `SSL_CERT_FILE`, `HTTPS_PROXY`, ...); the kit never reads the environment itself,
/// so a library user or a test gets exactly what it asks for.
public struct NetworkConfiguration: Sendable, Hashable {
    public var trust: TrustStore
    /// The proxy for the base URL, already chosen (`NO_PROXY` applied); nil: connect directly.
    public var proxy: ProxyServer?

    public init(trust: TrustStore = .system, proxy: ProxyServer? = nil) {
        self.trust = trust
        self.proxy = proxy
    }

    public static let direct = NetworkConfiguration()
}

/// The certificate authorities an HTTPS server's certificate must chain to.
///
/// As in curl, a CA file or directory *replaces* the system's bundle (curl's `--cacert`,
/// `SSL_CERT_FILE`, `SSL_CERT_DIR`): a company CA file that should add to the public roots
/// must hold both (Debian's `update-ca-certificates` builds such a file).
public struct TrustStore: Sendable, Hashable {
    /// A PEM file of one or more CA certificates.
    public var caFile: String?
    /// A directory of PEM CA certificates, named by subject hash as OpenSSL's `c_rehash` does.
    public var caDirectory: String?

    public init(caFile: String? = nil, caDirectory: String? = nil) {
        self.caFile = caFile
        self.caDirectory = caDirectory
    }

    /// The system's bundle.
    public static let system = TrustStore()

    public var isSystem: Bool { caFile == nil && caDirectory == nil }

    /// For `--debug`: which roots are in use.
    public var summary: String {
        switch (caFile, caDirectory) {
        case (nil, nil): "the system's certificate authorities"
        case (let file?, nil): "the certificate authorities in \(file)"
        case (nil, let directory?): "the certificate authorities in \(directory)/"
        case (let file?, let directory?): "the certificate authorities in \(file) and \(directory)/"
        }
    }
}

/// An HTTP proxy, reached in clear; HTTPS requests go through it with `CONNECT`, so only the
/// host and port the tunnel leads to are visible to it, never the key.
public struct ProxyServer: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// `http://user:***@host:port`: safe to print or log.
    public var masked: String {
        var text = "http://"
        if let username {
            text += username + (password == nil ? "" : ":***") + "@"
        }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return text + bracketed + ":\(port)"
    }
}
