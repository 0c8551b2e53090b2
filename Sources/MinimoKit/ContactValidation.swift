/// Checks run before a write is sent, so a typo costs no quota and gets a precise message.
public enum ContactValidation {
    /// E.164: `+`, a country code not starting with 0, 7 to 15 digits in all, nothing else.
    public static func isValidPhone(_ phone: String) -> Bool {
        let scalars = Array(phone.unicodeScalars)
        guard scalars.count >= 8, scalars.count <= 16, scalars.first == "+" else { return false }
        let digits = scalars.dropFirst()
        guard let first = digits.first, first != "0" else { return false }
        return digits.allSatisfy { $0.properties.numericType != nil && $0.isASCII }
    }

    /// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces or
    /// control characters. Internationalised addresses (`josé@città.it`) pass.
    public static func isValidEmail(_ email: String) -> Bool {
        guard email.count <= 254 else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            return false
        }
        return !email.unicodeScalars.contains {
            $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || "<>()[]\\,;:\"".unicodeScalars.contains($0)
        }
    }
}
