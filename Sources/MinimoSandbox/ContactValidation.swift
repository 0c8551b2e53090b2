/// The sandbox's checks of emails and phone numbers, strict enough that a client learns to
/// validate before sending (the real API answers 422 for both).
enum ContactValidation {
    /// A plausible address: one `@`, a non-empty local part, a dotted domain, no whitespace or
    /// control characters. Non-ASCII letters are allowed (`josé.müller@example.it`).
    static func isValidEmail(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 254 else { return false }
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{202E}" })
        else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return false
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return false }
        guard let top = labels.last, top.count >= 2, top.allSatisfy({ $0.isLetter }) else { return false }
        return domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    }

    /// E.164: `^\+[1-9][0-9]{6,14}$` — a plus, a country code not starting with 0, 7 to 15 digits.
    static func isValidPhone(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, bytes.count <= 16, bytes[0] == UInt8(ascii: "+") else { return false }
        guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[1]) else { return false }
        return bytes.dropFirst(2).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Case-insensitive comparison of emails, as upsert matching requires. Every upsert compares
    /// its email with every contact's: ASCII is compared byte by byte, folding A–Z, with no
    /// allocation (two `lowercased()` copies per contact made a 10,000-row import quadratic in
    /// allocations); as soon as either side has a non-ASCII byte, the full Unicode comparison
    /// decides (the Kelvin sign lowercases to an ASCII `k`). An ASCII mismatch before that is
    /// final: lowercasing maps an ASCII prefix to itself, and no character lowercases to nothing.
    static func sameEmail(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?):
                if a >= 0x80 || b >= 0x80 { return lhs.lowercased() == rhs.lowercased() }
                if a != b, a | 0x20 != b | 0x20 || !(0x61...0x7A).contains(a | 0x20) { return false }
            case (let a?, nil), (nil, let a?):
                return a >= 0x80 ? lhs.lowercased() == rhs.lowercased() : false
            }
        }
    }
}
