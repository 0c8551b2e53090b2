/// A contact's id. The docs show integers (`42`), strings (`"12345"` in the upsert answer) and
/// opaque strings (`"cnt_abc123"`); the id is kept as the text the server sent and used verbatim
/// (percent-encoded) in paths.
public struct ContactID: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(_ number: Int64) { self.rawValue = String(number) }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Reads an id from a JSON number or string.
    public init?(json: JSONValue) {
        guard let text = json.stringValue, !text.isEmpty else { return nil }
        self.rawValue = text
    }

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard let id = ContactID(json: value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an id"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
