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
        // Nearly every value holds no key: a byte search decides before anything is copied.
        guard !secret.isEmpty, contains(text, secret) else { return text }
        return text.replacingOccurrences(of: secret, with: mask(secret))
    }

    /// Replaces every occurrence of `secret` in `data` by its mask (bytes, so binary bodies survive).
    public static func redact(_ data: Data, secret: String) -> Data {
        let needle = Data(secret.utf8)
        guard !needle.isEmpty, data.count >= needle.count, contains(data, needle) else { return data }
        var result = data
        let replacement = Data(mask(secret).utf8)
        while let range = result.range(of: needle) {
            result.replaceSubrange(range, with: replacement)
        }
        return result
    }

    /// Whether `needle`'s bytes occur in `haystack`'s (memchr and memcmp: this runs on every value
    /// of every exchange recorded, and almost never finds anything).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in needle.withUTF8 { pin in found(UnsafeRawBufferPointer(hay), UnsafeRawBufferPointer(pin)) } }
    }

    static func contains(_ haystack: Data, _ needle: Data) -> Bool {
        haystack.withUnsafeBytes { hay in needle.withUnsafeBytes { pin in found(hay, pin) } }
    }

    private static func found(_ hay: UnsafeRawBufferPointer, _ pin: UnsafeRawBufferPointer) -> Bool {
        guard pin.count > 0, hay.count >= pin.count, let h = hay.baseAddress, let p = pin.baseAddress else { return false }
        // memchr for the first byte, memcmp for the rest (glibc's memmem is not exported to Swift).
        let first = Int32(pin[0])
        var offset = 0
        while offset + pin.count <= hay.count {
            guard let hit = memchr(h + offset, first, hay.count - pin.count - offset + 1) else { return false }
            if memcmp(hit, p, pin.count) == 0 { return true }
            offset = UnsafeRawPointer(hit) - h + 1
        }
        return false
    }
}
