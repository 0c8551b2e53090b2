/// The parts of an HTTP request the sandbox looks at, independent of Hummingbird so the logic
/// in `SandboxStore` can be exercised without a server.
struct APIRequest: Sendable {
    var method: String
    /// The raw path, still percent-encoded, without the query.
    var path: String
    /// Query parameters, percent-decoded (`+` as space); first occurrence wins.
    var query: [String: String]
    var authorization: String?
    var idempotencyKey: String?
    var body: [UInt8]
    /// The body was larger than `SandboxRequestHandler.maxBodyBytes` and was not read (`body` is empty).
    var bodyTooLarge = false

    init(method: String, path: String, query: String?, authorization: String?, idempotencyKey: String?, body: [UInt8]) {
        self.method = method
        self.path = path
        self.authorization = authorization
        self.idempotencyKey = idempotencyKey
        self.body = body
        self.query = Self.parseQuery(query)
    }

    /// Query parameters, percent-decoded (`+` as space); first occurrence wins.
    static func parseQuery(_ query: String?) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true) else { continue }
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusIsSpace: true) ?? String(parts[1]) : ""
            if parameters[name] == nil { parameters[name] = value }
        }
        return parameters
    }

    /// POST, PUT, PATCH and DELETE change data: they need write permission and honour
    /// `Idempotency-Key`.
    var isWrite: Bool {
        ["POST", "PUT", "PATCH", "DELETE"].contains(method)
    }
}
