/// Fault answers: the scripted queue first, then the random rates of `FaultConfiguration`.
extension SandboxStore {
    /// The fault answer for this request, if one is due (the write is then not applied).
    func nextFault(key: String, now: Double) -> SandboxAnswer? {
        if !scriptedFaults.isEmpty {
            return answer(for: scriptedFaults.removeFirst(), key: key, now: now)
        }
        let total = faults.errorRate + faults.htmlRate + faults.malformedRate + faults.rateLimitedRate
        guard total > 0 else { return nil }
        let draw = faultRandom.nextUnit()
        if draw < faults.rateLimitedRate {
            return Self.rateLimited(retryAfter: faults.rateLimitedRetryAfter)
        }
        let roll = draw - faults.rateLimitedRate
        if roll < faults.errorRate {
            return answer(for: .status(faultRandom.chance(0.5) ? 500 : 503), key: key, now: now)
        }
        if roll < faults.errorRate + faults.htmlRate {
            return answer(for: .html(faultRandom.chance(0.5) ? 502 : 503), key: key, now: now)
        }
        if roll < faults.errorRate + faults.htmlRate + faults.malformedRate {
            return answer(for: .malformed, key: key, now: now)
        }
        return nil
    }

    private func answer(for fault: ScriptedFault, key: String, now: Double) -> SandboxAnswer {
        switch fault {
        case .malformed:
            return SandboxAnswer(status: 200, body: Array("{\"data\":{\"id\":42,\"email\":\"customer@exa".utf8))
        case .raw(let status, let body, let contentType):
            return SandboxAnswer(status: status, body: body, contentType: contentType)
        case .html(let status):
            let title = "\(status) \(Self.reason(status))"
            let page = "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
                + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            return SandboxAnswer(status: status, body: Array(page.utf8), contentType: "text/html")
        case .status(429):
            return Self.rateLimited(retryAfter: ledger.peek(key: key, now: now).retryAfter)
        case .status(let status):
            let code: String
            switch status {
            case 400: code = "bad_request"
            case 401: code = "unauthorized"
            case 403: code = "forbidden"
            case 404: code = "not_found"
            case 409: code = "duplicate_resource"
            case 422: code = "validation_error"
            case 500: code = "internal_error"
            case 502: code = "bad_gateway"
            case 503: code = "service_unavailable"
            case 504: code = "gateway_timeout"
            default: code = "error"
            }
            return SandboxAnswer.error(status, code: code, message: Self.reason(status) + " (injected by the sandbox)")
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Temporarily Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }
}
