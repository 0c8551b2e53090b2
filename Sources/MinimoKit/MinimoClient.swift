import Foundation
import Logging

/// The Minimo API client core: endpoints, tolerant decoding, the quota gate, retries and the
/// record of raw exchanges. It knows nothing of the cache or the UI.
public final class MinimoClient: Sendable {
    public let configuration: MinimoConfiguration
    public let gate: QuotaGate
    public let recorder: ExchangeRecorder
    private let apiBase: String
    private let transport: HTTPTransport
    private let clock: MinimoClock
    private let random: RandomSource
    private let logger: Logger

    /// Throws `.insecureURL` for plain HTTP to a non-loopback host.
    /// - Parameter transport: by default AsyncHTTPClient, with the configuration's network.
    public init(
        configuration: MinimoConfiguration,
        transport: HTTPTransport? = nil,
        clock: MinimoClock = SystemClock(),
        random: RandomSource = SystemRandomSource(),
        recorder: ExchangeRecorder = ExchangeRecorder(),
        logger: Logger = Logger(label: "minimo.client")
    ) throws {
        self.configuration = configuration
        self.apiBase = try configuration.resolvedAPIBase()
        self.transport = transport ?? AsyncHTTPClientTransport(network: configuration.network)
        self.clock = clock
        self.random = random
        self.recorder = recorder
        self.logger = logger
        var gateConfiguration = configuration.gate
        // A live request's lease must outlast the request.
        gateConfiguration.leaseSeconds = max(gateConfiguration.leaseSeconds, configuration.timeout + 10)
        gateConfiguration.maxWait = min(gateConfiguration.maxWait, configuration.retry.maxRateLimitWait)
        // A request given up at its timeout lands, if at all, soon after.
        gateConfiguration.strayHorizon = min(gateConfiguration.strayHorizon, max(1, configuration.timeout * 3))
        let ledger = try gateConfiguration.ledgerPath.map { try QuotaLedgerFile(path: $0) }
        self.gate = QuotaGate(configuration: gateConfiguration, clock: clock, ledger: ledger)
    }

    /// A fresh key for one logical write; reuse it on every retry of that write.
    public static func newIdempotencyKey() -> String {
        "minimo-" + UUID().uuidString.lowercased()
    }

    /// Quota figures and waiting state, live (the status bar follows this).
    public func quotaUpdates() -> AsyncStream<QuotaStatus> { gate.statusUpdates() }

    // MARK: - Endpoints

    /// `GET /contacts/by-email/{email}`, the email percent-encoded. A soft-deleted or unknown
    /// contact is `.notFound`.
    public func contact(email: String, priority: RequestPriority = .interactive) async throws -> MinimoResponse<Contact> {
        try await perform(
            method: "GET", path: "/contacts/by-email/" + PathEncoding.segment(email), priority: priority
        ) { response in try Contact.decode(response.body) }
    }

    /// `POST /contacts`: create, or match by email then phone. Sends `idempotencyKey` (pass the
    /// same key when retrying the same write later; pass `nil` to send none, which also turns off
    /// retries on network errors, since the server could then apply the write twice).
    public func upsertContact(
        _ upsert: ContactUpsert, idempotencyKey: String? = MinimoClient.newIdempotencyKey(),
        priority: RequestPriority = .interactive
    ) async throws -> MinimoResponse<UpsertResult> {
        try await perform(
            method: "POST", path: "/contacts", body: upsert.json, idempotencyKey: idempotencyKey, priority: priority
        ) { response in try UpsertResult(json: Self.parse(response), status: response.status) }
    }

    /// `PUT /contacts/{id}`: sends only what changed; restores a soft-deleted contact. The answer's
    /// shape is not documented: the contact when the body holds one, else `nil`.
    public func updateContact(
        id: ContactID, _ update: ContactUpdate, idempotencyKey: String? = MinimoClient.newIdempotencyKey(),
        priority: RequestPriority = .interactive
    ) async throws -> MinimoResponse<Contact?> {
        try await perform(
            method: "PUT", path: "/contacts/" + PathEncoding.segment(id.rawValue), body: update.json,
            idempotencyKey: idempotencyKey, priority: priority
        ) { response in
            guard !Self.isBlank(response.body) else { return nil }
            let json = try Self.parse(response)
            return try? Contact(json: json)
        }
    }

    /// `DELETE /contacts/{id}`: soft delete (undo with an update by id, which restores).
    public func deleteContact(
        id: ContactID, idempotencyKey: String? = MinimoClient.newIdempotencyKey(),
        priority: RequestPriority = .interactive
    ) async throws -> MinimoResponse<DeleteResult> {
        try await perform(
            method: "DELETE", path: "/contacts/" + PathEncoding.segment(id.rawValue),
            idempotencyKey: idempotencyKey, priority: priority
        ) { response in
            if !Self.isBlank(response.body) { _ = try Self.parse(response) }
            return DeleteResult(contactID: id)
        }
    }

    /// `GET /custom-fields`: the field definitions, flat.
    public func customFields(priority: RequestPriority = .interactive) async throws -> MinimoResponse<[CustomFieldDefinition]> {
        try await perform(method: "GET", path: "/custom-fields", priority: priority) { response in
            try CustomFieldReader.definitions(Self.parse(response))
        }
    }

    /// `GET /custom-fields?groupBy=category`: the field definitions by category.
    public func customFieldGroups(priority: RequestPriority = .interactive) async throws -> MinimoResponse<[CustomFieldGroup]> {
        try await perform(
            method: "GET", path: "/custom-fields", query: [("groupBy", "category")], priority: priority
        ) { response in try CustomFieldReader.groups(Self.parse(response)) }
    }

    /// `GET /contacts?page=&limit=`. Not a documented endpoint: a 404 or 405 becomes
    /// `.listingNotAvailable`, so callers can say so and work by search.
    public func listContacts(page: Int, limit: Int = 100, priority: RequestPriority = .background) async throws
        -> MinimoResponse<ContactPage>
    {
        do {
            return try await perform(
                method: "GET", path: "/contacts", query: [("page", String(page)), ("limit", String(limit))],
                priority: priority
            ) { response in
                try ContactPage(json: Self.parse(response), requestedPage: page, requestedLimit: limit)
            }
        } catch let error as MinimoError where error.status == 404 || error.status == 405 {
            throw MinimoError(
                .listingNotAvailable, status: error.status, code: error.code,
                message: "listing not available: this server has no contact listing (HTTP \(error.status ?? 0)); search by email instead")
        }
    }

    // MARK: - The request pipeline

    /// An empty answer (or only whitespace): a write may answer so. A write's answer that is
    /// *not* empty must be JSON, or it cannot be trusted to be the server's: a 200 from a broken
    /// proxy or a cut answer. That is a decoding error, retried with the same idempotency key, so
    /// the server replays its real answer (or applies the write, if it never had it).
    static func isBlank(_ body: Data) -> Bool {
        body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }

    private static func parse(_ response: TransportResponse) throws -> JSONValue {
        do { return try JSONValue.parse(response.body) } catch {
            throw MinimoError(.decoding, status: response.status, message: "the answer is not valid JSON")
        }
    }

    /// Sends one logical request: permit from the quota gate, the call, the record of the
    /// exchange, and retries per the policy. Each attempt is recorded.
    func perform<Value: Sendable>(
        method: String, path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        idempotencyKey: String? = nil, priority: RequestPriority,
        decode: (TransportResponse) throws -> Value
    ) async throws -> MinimoResponse<Value> {
        let request = buildRequest(method: method, path: path, query: query, body: body, idempotencyKey: idempotencyKey)
        let idempotent = method != "POST" || idempotencyKey != nil
        let policy = configuration.retry
        var attempt = 0
        while true {
            try await gate.acquire(priority)
            let started = clock.now()
            let response: TransportResponse
            do {
                response = try await transport.execute(request, timeout: configuration.timeout)
            } catch {
                await gate.release(observed: nil)
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                let network = NetworkFailure.classify(error, url: request.url, timeout: configuration.timeout)
                let failure = MinimoError(.network, message: network.message)
                await record(request, started: started, response: nil, quota: nil, error: network, attempt: attempt)
                // Retrying cannot mend a certificate, a handshake or refused proxy credentials.
                guard network.retryable else { throw failure }
                if idempotent, attempt < policy.maxRetries {
                    try await backoff(attempt: attempt)
                    attempt += 1
                    continue
                }
                throw failure
            }
            let quota = QuotaSnapshot.parse(headers: response.headers, now: clock.now())
            await gate.release(observed: quota)
            let exchange = await record(request, started: started, response: response, quota: quota, error: nil, attempt: attempt)
            logger.debug("\(method) \(path) → \(response.status) in \(Int(exchange.duration * 1000)) ms")

            let failure: MinimoError
            if (200..<300).contains(response.status) {
                do {
                    let value = try decode(response)
                    return MinimoResponse(value: value, status: response.status, body: response.body, quota: quota, exchange: exchange)
                } catch let error as MinimoError {
                    failure = error
                } catch {
                    failure = MinimoError(.decoding, status: response.status, message: "could not read the answer: \(error)")
                }
            } else {
                failure = MinimoError.fromResponse(status: response.status, headers: response.headers, body: response.body)
            }

            switch failure.kind {
            case .rateLimited(let retryAfter):
                let wait = retryAfter ?? quota?.secondsUntilReset(now: clock.now()).map(Double.init) ?? 1
                await gate.noteRateLimited(retryAfter: wait, observed: quota)
                // The server did not act on a 429, so any request may be retried; the gate
                // holds it until the wait is over.
                if attempt < policy.maxRetries, wait <= policy.maxRateLimitWait {
                    attempt += 1
                    continue
                }
            case .server, .decoding:
                if idempotent, attempt < policy.maxRetries {
                    try await backoff(attempt: attempt)
                    attempt += 1
                    continue
                }
            default:
                break
            }
            throw failure
        }
    }

    private func backoff(attempt: Int) async throws {
        let delay = configuration.retry.backoff(attempt: attempt, random: random)
        try await clock.sleep(seconds: delay)
    }

    private func buildRequest(
        method: String, path: String, query: [(String, String)], body: JSONValue?, idempotencyKey: String?
    ) -> TransportRequest {
        var url = apiBase + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            url += "?" + (components.percentEncodedQuery ?? "")
        }
        var headers = [
            HTTPHeader("Authorization", "Bearer \(configuration.apiKey)"),
            HTTPHeader("Accept", "application/json"),
            HTTPHeader("User-Agent", configuration.userAgent),
        ]
        var data: Data?
        if let body {
            data = body.serialized()
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        if let idempotencyKey { headers.append(HTTPHeader("Idempotency-Key", idempotencyKey)) }
        return TransportRequest(method: method, url: url, headers: headers, body: data)
    }

    /// Records one attempt with the key masked everywhere it could appear.
    @discardableResult
    private func record(
        _ request: TransportRequest, started: Date, response: TransportResponse?, quota: QuotaSnapshot?,
        error: NetworkFailure?, attempt: Int
    ) async -> RawExchange {
        let secret = configuration.apiKey
        let maskedHeaders = request.headers.map { header in
            HTTPHeader.sameName(header.name, "Authorization")
                ? HTTPHeader(header.name, SecretMask.maskAuthorization(header.value))
                : HTTPHeader(header.name, SecretMask.redact(header.value, secret: secret))
        }
        let exchange = RawExchange(
            startedAt: started, method: request.method, url: SecretMask.redact(request.url, secret: secret),
            requestHeaders: maskedHeaders, requestBody: request.body.map { SecretMask.redact($0, secret: secret) },
            status: response?.status,
            responseHeaders: (response?.headers ?? []).map { HTTPHeader($0.name, SecretMask.redact($0.value, secret: secret)) },
            responseBody: response.map { SecretMask.redact($0.body, secret: secret) } ?? Data(),
            duration: max(0, clock.now().timeIntervalSince(started)), quotaAfter: quota,
            error: error.map { SecretMask.redact($0.message, secret: secret) }, failure: error?.kind, attempt: attempt + 1)
        await recorder.record(exchange)
        return exchange
    }
}
