/// One key/value member of a JSON object, kept in a list so member order survives.
struct JSONMember: Sendable, Equatable {
    var key: String
    var value: JSONValue
}
