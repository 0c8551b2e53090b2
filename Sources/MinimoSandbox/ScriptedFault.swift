/// One queued answer of `POST /__sandbox/faults` (`{"next":[503,500,"html","malformed"]}`):
/// consumed, in order, by the next API requests that pass authentication and the rate limit.
enum ScriptedFault: Sendable, Equatable {
    /// That status with the error envelope (a 429 also carries `retry_after` and `Retry-After`).
    case status(Int)
    /// An HTML error page with this status (`"html"` is 502; `"html503"` also works).
    case html(Int)
    /// 200 with a truncated JSON body.
    case malformed
    /// Exactly these bytes with this status and content type:
    /// `{"status": 422, "body_base64": "...", "content_type": "application/json"}` (the content
    /// type is optional). For bodies no JSON string can carry: invalid UTF-8, lone surrogates.
    case raw(status: Int, body: [UInt8], contentType: String)

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
        case .object:
            guard case .int(let status)? = json["status"], (100...599).contains(status),
                case .string(let encoded)? = json["body_base64"], let body = Self.base64Decoded(encoded)
            else { return nil }
            let contentType: String
            switch json["content_type"] {
            case nil: contentType = "application/json"
            case .string(let text)?: contentType = text
            default: return nil
            }
            self = .raw(status: status, body: body, contentType: contentType)
        default:
            return nil
        }
    }

    /// Standard base64 (padding optional), or nil when the text is not base64.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 where character != UInt8(ascii: "=") {
            let value: UInt8
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return bits >= 6 ? nil : bytes  // a lone sixth character is not base64
    }
}
