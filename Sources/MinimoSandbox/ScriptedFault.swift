/// One queued answer of `POST /__sandbox/faults` (`{"next":[503,500,"html","malformed"]}`):
/// consumed, in order, by the next API requests that pass authentication and the rate limit.
enum ScriptedFault: Sendable, Equatable {
    /// That status with the error envelope (a 429 also carries `retry_after` and `Retry-After`).
    case status(Int)
    /// An HTML error page with this status (`"html"` is 502; `"html503"` also works).
    case html(Int)
    /// 200 with a truncated JSON body.
    case malformed

    /// Reads one entry of the `next` array, or nil when it is not understood.
    init?(json: JSONValue) {
        switch json {
        case .int(let status) where (100...599).contains(status):
            self = .status(status)
        case .string(let text):
            switch text.lowercased() {
            case "html", "html502": self = .html(502)
            case "html503": self = .html(503)
            case "html500": self = .html(500)
            case "malformed", "truncated": self = .malformed
            default:
                guard let status = Int(text), (100...599).contains(status) else { return nil }
                self = .status(status)
            }
        default:
            return nil
        }
    }
}
