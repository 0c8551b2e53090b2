import Foundation

extension RawExchange {
    /// The request as a curl command line that sends it again exactly: method, URL, headers
    /// (the idempotency key included, so a write replays instead of applying twice) and body,
    /// with `"$MINIMO_API_KEY"` where the key goes. Never the key itself: the stored exchange
    /// holds it masked, and this text is meant for clipboards, chats and tickets.
    ///
    /// Every other value is single-quoted for POSIX shells (a `'` becomes `'\''`), so nothing in
    /// a header or body is expanded by the shell.
    public var curlCommand: String { curlCommand(network: .direct) }

    /// The same, reaching the server as minimo does: the profile's CA file or directory
    /// (`--cacert`, `--capath`) and its proxy (`-x`; a proxy user as `--proxy-user NAME`, for
    /// which curl asks the password: it is never printed).
    public func curlCommand(network: NetworkConfiguration) -> String {
        var lines = ["curl -sS -X \(method) \(Self.shellQuoted(url))"]
        if let file = network.trust.caFile { lines.append("--cacert " + Self.shellQuoted(file)) }
        if let directory = network.trust.caDirectory { lines.append("--capath " + Self.shellQuoted(directory)) }
        if let proxy = network.proxy {
            lines.append("-x " + Self.shellQuoted("http://\(proxy.host.contains(":") ? "[\(proxy.host)]" : proxy.host):\(proxy.port)"))
            if let user = proxy.username { lines.append("--proxy-user " + Self.shellQuoted(user)) }
        }
        // Set by curl itself, or meaningless on a new connection.
        let skipped: Set<String> = ["host", "content-length", "connection", "accept-encoding", "transfer-encoding"]
        for header in requestHeaders where !skipped.contains(header.name.lowercased()) {
            if header.name.lowercased() == "authorization" {
                lines.append("-H \"Authorization: Bearer $MINIMO_API_KEY\"")
            } else {
                lines.append("-H " + Self.shellQuoted("\(header.name): \(header.value)"))
            }
        }
        if let requestBody, !requestBody.isEmpty {
            lines.append("--data-raw " + Self.shellQuoted(String(decoding: requestBody, as: UTF8.self)))
        }
        return lines.joined(separator: " \\\n  ")
    }

    /// `'text'` for sh, bash and zsh: a `'` inside is closed, escaped and reopened.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
