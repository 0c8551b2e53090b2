/// An error answer in the docs' envelope, thrown by request handlers and turned into a response.
struct APIError: Error, Sendable, Equatable {
    var status: Int
    var code: String
    var message: String
    var details: JSONValue?

    /// `{"error":{"code":...,"message":...,"details":...}}`; `details` only when there are some.
    var envelope: JSONValue {
        var members = [JSONMember(key: "code", value: .string(code)), JSONMember(key: "message", value: .string(message))]
        if let details { members.append(JSONMember(key: "details", value: details)) }
        return .object([JSONMember(key: "error", value: .object(members))])
    }

    var answer: SandboxAnswer { .json(status, envelope) }

    static func badRequest(_ message: String, field: String? = nil, value: JSONValue? = nil) -> APIError {
        APIError(status: 400, code: "bad_request", message: message, details: fieldDetails(field, value))
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not_found", message: message)
    }

    static func validation(_ message: String, field: String, value: JSONValue?) -> APIError {
        APIError(status: 422, code: "validation_error", message: message, details: fieldDetails(field, value))
    }

    private static func fieldDetails(_ field: String?, _ value: JSONValue?) -> JSONValue? {
        guard let field else { return nil }
        return .object(["field": .string(field), "value": value ?? .null])
    }
}
