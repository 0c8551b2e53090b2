/// One HTTP header line, kept in order (the raw view shows headers exactly as exchanged).
public struct HTTPHeader: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first value of a header, matched case-insensitively.
    public func value(of name: String) -> String? {
        first { HTTPHeader.sameName($0.name, name) }?.value
    }
}

extension HTTPHeader {
    /// Header names compare ASCII case-insensitively (RFC 9110); no locale, no allocation.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                let lowerX = (0x41...0x5A).contains(x) ? x | 0x20 : x
                let lowerY = (0x41...0x5A).contains(y) ? y | 0x20 : y
                if lowerX != lowerY { return false }
            default: return false
            }
        }
    }
}
