import Foundation

/// Everything that can go wrong talking to Minimo, typed so the UI and the CLI can react (exit
/// codes, status bar, retry) and carrying what the server said for the person reading it.
public struct MinimoError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case unauthorized
        case forbidden
        case notFound
        case badRequest
        case validation(field: String?)
        case invalidPhoneNumber
        case conflict
        case rateLimited(retryAfter: Double?)
        case server
        case network
        case decoding
        /// The base URL is plain HTTP to a host that is not loopback.
        case insecureURL
        /// The server has no contact listing (404/405 on `GET /contacts`).
        case listingNotAvailable
        /// A file minimo keeps on this machine (the shared quota ledger, the cache) cannot be
        /// opened or used: the message names the file and the cause.
        case localFile
    }

    public var kind: Kind
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// The machine-readable code from the error body (`validation_error`, ...).
    public var code: String?
    /// A human message: the server's when it gave one.
    public var message: String
    /// The `details` object of the error envelope, if any.
    public var details: JSONValue?

    public init(_ kind: Kind, status: Int? = nil, code: String? = nil, message: String, details: JSONValue? = nil) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String {
        var parts: [String] = []
        if let status { parts.append("HTTP \(status)") }
        if let code { parts.append(code) }
        let prefix = parts.isEmpty ? "" : "[\(parts.joined(separator: " "))] "
        return prefix + message
    }

    /// The field a validation error names, from the kind or the details.
    public var field: String? {
        if case .validation(let field) = kind, let field { return field }
        return details?["field"]?.stringValue
    }

    /// Seconds the server asked us to wait, for a 429.
    public var retryAfter: Double? {
        if case .rateLimited(let seconds) = kind { return seconds }
        return nil
    }

    /// Builds the error for a non-2xx answer. Error bodies come as the documented envelope
    /// `{"error": {"code", "message", "details"}}`, as a flat `{"error": "text"}`, or not as JSON
    /// at all (an HTML page from a proxy): all three give a readable message.
    public static func fromResponse(status: Int, headers: [HTTPHeader], body: Data) -> MinimoError {
        var code: String?
        var message: String?
        var details: JSONValue?
        var retryAfter: Double?
        if let json = try? JSONValue.parse(body), case .object(let object) = json {
            switch object["error"] {
            case .object(let envelope)?:
                code = envelope["code"]?.stringValue
                message = envelope["message"]?.stringValue
                details = envelope["details"]
                retryAfter = WireShape.field(envelope, "retry_after", "retryAfter")?.doubleValue
            case .string(let text)?:
                message = text
            default:
                break
            }
            code = code ?? WireShape.field(object, "code", "error_code")?.stringValue
            message = message ?? WireShape.field(object, "message", "detail", "error_description")?.stringValue
            details = details ?? object["details"]
            retryAfter = retryAfter ?? WireShape.field(object, "retry_after", "retryAfter")?.doubleValue
        }
        if retryAfter == nil, let header = headers.value(of: "Retry-After") {
            retryAfter = Double(header.trimmingCharacters(in: .whitespaces))
        }
        // A wait is a number of seconds, not negative, NaN or longer than a day: anything else
        // is unreadable (the quota reset time is used instead).
        if let wait = retryAfter, !(wait.isFinite && wait >= 0) { retryAfter = nil }
        if let wait = retryAfter { retryAfter = min(wait, 86_400) }
        let fallback = Self.describeUnreadableBody(status: status, headers: headers, body: body)
        let text = message ?? fallback
        let kind: Kind
        switch (status, code) {
        case (_, "invalid_phone_number"?): kind = .invalidPhoneNumber
        case (401, _), (_, "unauthorized"?): kind = .unauthorized
        case (403, _): kind = .forbidden
        case (404, _): kind = .notFound
        case (409, _): kind = .conflict
        case (422, _): kind = .validation(field: details?["field"]?.stringValue)
        case (429, _): kind = .rateLimited(retryAfter: retryAfter)
        case (500..., _): kind = .server
        default: kind = .badRequest
        }
        return MinimoError(kind, status: status, code: code, message: text, details: details)
    }

    static func describeUnreadableBody(status: Int, headers: [HTTPHeader], body: Data) -> String {
        let reason = HTTPStatusText.reason(status)
        if body.isEmpty { return "HTTP \(status) \(reason) (empty body)" }
        let contentType = headers.value(of: "Content-Type")?.lowercased() ?? ""
        let head = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
        if contentType.contains("html") || head.contains("<html") || head.contains("<!doctype") {
            return "HTTP \(status) \(reason) (the server answered with an HTML page, not JSON)"
        }
        return "HTTP \(status) \(reason) (the body is not the JSON the API documents)"
    }
}

enum HTTPStatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}
