import Foundation

/// Which proxy a request to a URL takes, read the way curl reads it, so one set of variables
/// serves both tools on a company server:
/// - `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` / `HTTP_PROXY` for http ones,
///   then `all_proxy` / `ALL_PROXY`; the lowercase name first, and the first one present wins (an
///   empty value means "no proxy"). curl reads only the lowercase `http_proxy`, against CGI's
///   httpoxy; minimo is no CGI program and reads both.
/// - A profile's `proxy` beats the environment; `proxy = ""` turns the proxy off for it.
/// - `no_proxy` / `NO_PROXY` lists the hosts that go direct, whichever proxy was chosen: see
///   ``bypasses(host:port:noProxy:)``. Loopback is not exempt unless listed, as in curl.
/// - A proxy URL without a scheme is `http://`; without a port, 1080 (curl's default).
public enum ProxyRules {
    /// The outcome, with what `--debug` says about it.
    public struct Choice: Sendable, Equatable {
        public var proxy: ProxyServer?
        /// One sentence for `--debug`, the password masked.
        public var explanation: String
    }

    /// A proxy setting that cannot be used: the message names the source and the fix.
    public struct SettingError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func choose(for url: URL, profileProxy: String?, environment: [String: String]) throws(SettingError) -> Choice {
        let scheme = url.scheme?.lowercased() ?? "https"
        let host = url.host ?? ""
        let port = url.port ?? (scheme == "http" ? 80 : 443)
        let target = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"

        let source: String
        let text: String
        if let profileProxy {
            source = "the profile's proxy"
            text = profileProxy
        } else if let (name, value) = firstPresent(
            scheme == "http" ? ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] : ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
            in: environment)
        {
            source = name
            text = value
        } else {
            return Choice(proxy: nil, explanation: "no proxy for \(target) (no proxy variable is set)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            return Choice(proxy: nil, explanation: "no proxy for \(target) (\(source) is empty)")
        }
        let proxy = try parse(trimmed, source: source)
        if let (name, list) = firstPresent(["no_proxy", "NO_PROXY"], in: environment), let entry = bypasses(host: host, port: port, noProxy: list) {
            return Choice(proxy: nil, explanation: "no proxy for \(target): \(name) lists \(entry)")
        }
        return Choice(proxy: proxy, explanation: "proxy \(proxy.masked) (from \(source)) for \(target)")
    }

    /// Reads `[http://][user[:password]@]host[:port][/]`. The user and password are
    /// percent-decoded (write `@` as `%40`, as for curl).
    public static func parse(_ text: String, source: String) throws(SettingError) -> ProxyServer {
        let shown = maskUserInfo(text)
        func failure(_ why: String) -> SettingError {
            SettingError(message: "\(source) '\(shown)' is not a usable proxy: \(why)")
        }
        let withScheme = text.contains("://") ? text : "http://" + text
        let scheme = String(withScheme[..<withScheme.range(of: "://")!.lowerBound]).lowercased()
        switch scheme {
        case "http": break
        case "https":
            throw failure("a proxy reached over TLS (https://) is not supported; use the proxy's plain http:// address (HTTPS requests still go through it encrypted, with CONNECT)")
        case let other where other.hasPrefix("socks"):
            throw failure("SOCKS proxies are not supported; use an HTTP proxy (http://host:port)")
        default:
            throw failure("unknown scheme '\(scheme)' (expected http://host:port)")
        }
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty else {
            throw failure("expected http://[user:password@]host:port (a password with @, : or / must be percent-encoded)")
        }
        if let path = components.percentEncodedPath.nilIfEmpty, path != "/" {
            throw failure("a proxy URL has no path (found \(path))")
        }
        let port = components.port ?? 1080
        guard (1...65535).contains(port) else { throw failure("port \(port) is out of range") }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return ProxyServer(host: bare, port: port, username: components.user?.nilIfEmpty, password: components.password)
    }

    /// The `NO_PROXY` entry that sends `host:port` direct, or nil. Entries are separated by
    /// commas (or spaces); `*` alone matches every host; a leading dot is ignored, so
    /// `example.com` and `.example.com` both match `example.com` and `api.example.com` (never
    /// `badexample.com`); `host:port` matches that port only; an IP address matches itself, and
    /// `10.0.0.0/8` (or an IPv6 prefix) the addresses in it. Case does not matter.
    public static func bypasses(host: String, port: Int, noProxy: String) -> String? {
        let name = normalise(host)
        for raw in noProxy.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            let entry = String(raw)
            if entry == "*" { return entry }
            var pattern = entry
            var wantedPort: Int?
            // host:port, [v6]:port; a bare IPv6 address has several colons and no port.
            if pattern.hasPrefix("["), let close = pattern.firstIndex(of: "]") {
                let rest = pattern[pattern.index(after: close)...]
                if rest.hasPrefix(":") { wantedPort = Int(rest.dropFirst()) }
                pattern = String(pattern[pattern.index(after: pattern.startIndex)..<close])
            } else if pattern.filter({ $0 == ":" }).count == 1, let colon = pattern.lastIndex(of: ":") {
                wantedPort = Int(pattern[pattern.index(after: colon)...])
                if wantedPort == nil { continue }
                pattern = String(pattern[..<colon])
            }
            if let wantedPort, wantedPort != port { continue }
            if matches(host: name, pattern: pattern) { return entry }
        }
        return nil
    }

    private static func matches(host: String, pattern rawPattern: String) -> Bool {
        if let slash = rawPattern.firstIndex(of: "/"), let bits = Int(rawPattern[rawPattern.index(after: slash)...]) {
            guard let network = IPAddressBytes(normalise(String(rawPattern[..<slash]))), let address = IPAddressBytes(host) else { return false }
            return network.contains(address, prefixBits: bits)
        }
        var pattern = normalise(rawPattern)
        while pattern.hasPrefix(".") { pattern.removeFirst() }
        guard !pattern.isEmpty else { return false }
        if let left = IPAddressBytes(host), let right = IPAddressBytes(pattern) { return left == right }
        return host == pattern || host.hasSuffix("." + pattern)
    }

    private static func normalise(_ host: String) -> String {
        var text = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func firstPresent(_ names: [String], in environment: [String: String]) -> (String, String)? {
        for name in names { if let value = environment[name] { return (name, value) } }
        return nil
    }

    /// `user:password@` → `user:***@`, for messages about a URL that may not even parse.
    public static func maskUserInfo(_ text: String) -> String {
        let afterScheme = text.range(of: "://")?.upperBound ?? text.startIndex
        guard let at = text[afterScheme...].lastIndex(of: "@") else { return text }
        let userInfo = text[afterScheme..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// An IPv4 or IPv6 address as bytes, for `NO_PROXY` prefixes.
struct IPAddressBytes: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    func contains(_ other: IPAddressBytes, prefixBits: Int) -> Bool {
        guard bytes.count == other.bytes.count, prefixBits >= 0, prefixBits <= bytes.count * 8 else { return false }
        var remaining = prefixBits
        for (left, right) in zip(bytes, other.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if left & mask != right & mask { return false }
            remaining -= 8
        }
        return true
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
