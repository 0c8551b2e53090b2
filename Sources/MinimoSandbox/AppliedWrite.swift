/// One write the sandbox applied, kept so a test can tell a write applied twice (the same edit
/// sent again under a new idempotency key) from one replayed (the same key: not applied again).
struct AppliedWrite: Sendable {
    var method: String
    var path: String
    var idempotencyKey: String?
    var status: Int
    var body: [UInt8]

    /// `{"seq","method","path","idempotencyKey","status","body"}`; the body as text (invalid
    /// UTF-8 repaired), since every applied write had a JSON body or none.
    func json(seq: Int) -> JSONValue {
        .object([
            "seq": .int(seq), "method": .string(method), "path": .string(path), "idempotencyKey": .string(idempotencyKey),
            "status": .int(status), "body": .string(String(decoding: body, as: UTF8.self)),
        ])
    }
}
