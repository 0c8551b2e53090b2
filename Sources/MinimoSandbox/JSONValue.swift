/// A JSON value whose objects keep their member order.
///
/// The sandbox writes its own JSON instead of using `JSONEncoder` so that contact objects come out
/// in the docs' field order, integers stay integers, and booleans never turn into numbers (a risk
/// with `JSONSerialization` on Linux). Objects are ordered member lists, not dictionaries, so an
/// answer is byte-for-byte stable, which idempotent replays rely on.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of `key` when this is an object holding it (first occurrence), else nil.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The members when this is an object, else nil.
    var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The string when this is a string, else nil.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Builds an object from ordered key/value pairs.
    static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.key, value: $0.value) })
    }

    /// A string, or `null` when the optional is empty.
    static func string(_ text: String?) -> JSONValue {
        text.map { .string($0) } ?? .null
    }

    /// A boolean, or `null` when the optional is empty (used for consent, where null means unknown).
    static func bool(_ flag: Bool?) -> JSONValue {
        flag.map { .bool($0) } ?? .null
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}
