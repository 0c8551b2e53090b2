/// Which bearer keys the sandbox accepts, and what they may do.
///
/// - With no configured keys, any key shaped `mn-<client>-<secret>` is accepted (the real key
///   shape; `mn-test-...` test keys included), so a client can be pointed at the sandbox with
///   whatever key it already has. With configured keys, only those are accepted.
/// - `SandboxServer.demoAPIKey` is always accepted.
/// - Keys starting `mn-readonly-` may read but get 403 `forbidden` on writes: the docs list 403
///   for keys lacking permissions, and this lets a client test that answer.
struct APIKeyPolicy: Sendable {
    var configuredKeys: Set<String>
    var demoKey: String

    /// The accepted key in an `Authorization` header value, or nil (answer 401).
    func acceptedKey(authorization: String?) -> String? {
        guard let authorization else { return nil }
        let trimmed = authorization.trimmingWhitespace()
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let key = String(trimmed.dropFirst(7)).trimmingWhitespace()
        if key == demoKey { return key }
        if !configuredKeys.isEmpty { return configuredKeys.contains(key) ? key : nil }
        return Self.hasKeyShape(key) ? key : nil
    }

    /// Whether the key may only read.
    func isReadOnly(_ key: String) -> Bool {
        key.hasPrefix("mn-readonly-")
    }

    /// `mn-<client>-<secret>`: letters, digits, `_` and `-`, with non-empty client and secret.
    static func hasKeyShape(_ key: String) -> Bool {
        guard key.hasPrefix("mn-") else { return false }
        let rest = key.dropFirst(3)
        guard rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else { return false }
        let parts = rest.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
    }
}
