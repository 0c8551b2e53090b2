/// The first answer to a write sent with an `Idempotency-Key`, kept per (API key, idempotency
/// key) so a retry gets the same answer without applying the write twice.
struct IdempotencyRecord: Sendable {
    /// What the first request was; a reuse of the key for anything else is refused (422).
    var method: String
    var path: String
    var body: [UInt8]
    var answer: SandboxAnswer
}
