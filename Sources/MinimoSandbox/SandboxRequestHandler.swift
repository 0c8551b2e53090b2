import Hummingbird

/// Turns Hummingbird requests into `APIRequest`s for the store and its answers back into
/// responses; also serves the unauthenticated `/__sandbox/...` control endpoints, which are
/// neither counted nor rate limited.
///
/// The sandbox routes raw paths itself rather than through Hummingbird's router, so a
/// percent-encoded email in `/contacts/by-email/{email}` is decoded exactly once, by us, and an
/// unknown route still gets the error envelope and the rate-limit headers.
struct SandboxRequestHandler: Sendable {
    /// `HTTPField.Name`, reached through `HTTPFields` (which Hummingbird re-exports) to avoid importing HTTPTypes.
    typealias FieldName = HTTPFields.Element.Name

    let store: SandboxStore

    /// Largest accepted request body.
    static let maxBodyBytes = 4 * 1024 * 1024

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        var body: [UInt8] = []
        var bodyTooLarge = false
        do {
            body = Array(try await request.collectBody(upTo: Self.maxBodyBytes).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            // Answered 413 in the envelope, with the rate-limit headers, by the store; uncaught it
            // would be an empty 500.
            bodyTooLarge = true
        }
        let path = request.uri.path
        if path == "/__sandbox" || path.hasPrefix("/__sandbox/") {
            if bodyTooLarge { return Self.response(Self.bodyTooLargeAnswer) }
            return Self.response(await control(method: request.method.rawValue, path: path, query: request.uri.query, body: body))
        }
        var apiRequest = APIRequest(
            method: request.method.rawValue, path: path, query: request.uri.query,
            authorization: request.headers[.authorization],
            idempotencyKey: FieldName("Idempotency-Key").flatMap { request.headers[$0] },
            body: body)
        apiRequest.bodyTooLarge = bodyTooLarge
        let outcome = await store.handle(apiRequest)
        if outcome.delayMilliseconds > 0 {
            try? await Task.sleep(for: .milliseconds(outcome.delayMilliseconds))
        }
        return Self.response(outcome.answer)
    }

    /// `GET /__sandbox/stats`, `POST /__sandbox/reset-stats`, `GET|POST|DELETE /__sandbox/faults`,
    /// `GET|PUT /__sandbox/fault-rates`, `GET /__sandbox/applied[?after=N]`.
    private func control(method: String, path: String, query: String?, body: [UInt8]) async -> SandboxAnswer {
        switch (method, path) {
        case ("GET", "/__sandbox/stats"):
            return .json(200, await store.statsJSON)
        case ("POST", "/__sandbox/reset-stats"):
            await store.resetStats()
            return .json(200, await store.statsJSON)
        case ("GET", "/__sandbox/faults"):
            return .json(200, .object(["queued": .int(await store.pendingFaults)]))
        case ("POST", "/__sandbox/faults"):
            do {
                let queued = try await store.queueFaults(body: body)
                return .json(200, .object(["queued": .int(queued)]))
            } catch {
                return error.answer
            }
        case ("DELETE", "/__sandbox/faults"):
            await store.clearFaults()
            return .json(200, .object(["queued": 0]))
        case ("GET", "/__sandbox/fault-rates"):
            return .json(200, await store.faults.json)
        case ("PUT", "/__sandbox/fault-rates"):
            do {
                return .json(200, try await store.updateFaultRates(body: body))
            } catch {
                return error.answer
            }
        case ("GET", "/__sandbox/applied"):
            let after = APIRequest.parseQuery(query)["after"].flatMap { SandboxStore.decimal($0) } ?? 0
            return .json(200, await store.appliedWritesJSON(after: after))
        default:
            return APIError.notFound("No sandbox control endpoint \(method) \(path)").answer
        }
    }

    /// 413 `payload_too_large` for a body over `maxBodyBytes`.
    static var bodyTooLargeAnswer: SandboxAnswer {
        SandboxAnswer.error(413, code: "payload_too_large", message: "The request body is larger than \(maxBodyBytes / (1024 * 1024)) MiB")
    }

    static func response(_ answer: SandboxAnswer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for header in answer.headers {
            if let name = FieldName(header.name) {
                headers.append(HTTPFields.Element(name: name, value: header.value))
            }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status, reasonPhrase: SandboxStore.reason(answer.status)),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
