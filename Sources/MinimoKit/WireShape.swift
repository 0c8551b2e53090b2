/// The tolerant reading of the API's answers. The reference pages disagree with each other
/// (`{"data": ...}` or bare, snake_case or camelCase, ids as numbers or strings); every reader
/// goes through these few functions so the tolerance lives in one place.
enum WireShape {
    /// Unwraps `{"data": X}` to `X`; any other value is returned as it is.
    static func unwrapData(_ value: JSONValue) -> JSONValue {
        if case .object(let object) = value, let inner = object["data"] {
            switch inner {
            case .object, .array: return inner
            default: break
            }
        }
        return value
    }

    /// The first present, non-null value among the spellings of one field.
    static func field(_ object: [String: JSONValue], _ names: String...) -> JSONValue? {
        for name in names {
            if let value = object[name], value != .null { return value }
        }
        return nil
    }

    /// Whether any of the spellings is present at all (even as `null`).
    static func has(_ object: [String: JSONValue], _ names: String...) -> Bool {
        names.contains { object[$0] != nil }
    }
}
