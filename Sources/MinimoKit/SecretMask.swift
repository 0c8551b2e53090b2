import Foundation

/// Masks API keys wherever an exchange is shown or stored: `mn-12…•••`. Enough is kept to tell
/// two keys apart at a glance, never enough to use one.
public enum SecretMask {
    /// `mn-1234-abcdef` → `mn-12…•••`. Short or odd keys are masked whole.
    public static func mask(_ secret: String) -> String {
        guard secret.count >= 10 else { return "•••" }
        return String(secret.prefix(5)) + "…•••"
    }

    /// The `Authorization` header value with its credential masked.
    public static func maskAuthorization(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { return "\(parts[0]) \(mask(String(parts[1])))" }
        return mask(value)
    }

    /// Replaces every occurrence of `secret` in `text` by its mask.
    public static func redact(_ text: String, secret: String) -> String {
        guard !secret.isEmpty else { return text }
        return text.replacingOccurrences(of: secret, with: mask(secret))
    }

    /// Replaces every occurrence of `secret` in `data` by its mask (bytes, so binary bodies survive).
    public static func redact(_ data: Data, secret: String) -> Data {
        let needle = Data(secret.utf8)
        guard !needle.isEmpty, data.count >= needle.count, data.range(of: needle) != nil else { return data }
        var result = data
        let replacement = Data(mask(secret).utf8)
        while let range = result.range(of: needle) {
            result.replaceSubrange(range, with: replacement)
        }
        return result
    }
}
