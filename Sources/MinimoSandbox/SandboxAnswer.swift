/// One HTTP answer of the sandbox before it becomes a Hummingbird `Response`: kept as plain bytes
/// so an idempotent replay can return the stored body byte for byte.
struct SandboxAnswer: Sendable, Equatable {
    var status: Int
    var body: [UInt8]
    var contentType: String = "application/json"
    /// Extra headers (rate-limit headers, `Retry-After`, `Idempotent-Replayed`), in order.
    var headers: [(name: String, value: String)] = []

    static func == (lhs: SandboxAnswer, rhs: SandboxAnswer) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.contentType == rhs.contentType
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    /// A JSON answer.
    static func json(_ status: Int, _ value: JSONValue) -> SandboxAnswer {
        SandboxAnswer(status: status, body: value.bytes)
    }

    /// The documented error envelope `{"error":{"code","message","details"?}}`.
    static func error(_ status: Int, code: String, message: String, details: JSONValue? = nil) -> SandboxAnswer {
        json(status, APIError(status: status, code: code, message: message, details: details).envelope)
    }
}
