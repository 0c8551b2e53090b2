import Foundation

/// All mutable state of one sandbox — contacts, field definitions, rate-limit windows,
/// idempotency records, queued faults and stats — behind one actor, so each request is handled
/// atomically (two retries with the same `Idempotency-Key` cannot both apply).
actor SandboxStore {
    /// The answer to one API request, and how long to hold it back (a slow-answer fault).
    struct Outcome: Sendable {
        var answer: SandboxAnswer
        var delayMilliseconds: Int
    }

    let configuration: SandboxConfiguration
    let keyPolicy: APIKeyPolicy
    var ledger: RateLimitLedger
    var contacts: [Contact]
    /// Indices into `contacts` by lowercased email, ascending: upserts and lookups match by email
    /// case-insensitively, and scanning every contact for each made a 10,000-row import
    /// quadratic (seconds of CPU on the pool the sandbox shares with its host). Kept in step by
    /// `appendContact` and `changeEmail`, the only places an email comes or changes.
    var emailIndex: [String: [Int]] = [:]
    var definitions: [CustomFieldDefinition]
    var idempotencyRecords: [String: IdempotencyRecord] = [:]
    var scriptedFaults: [ScriptedFault] = []
    /// The random fault rates now in force (from the configuration; `PUT /__sandbox/fault-rates` changes them).
    var faults: FaultConfiguration
    /// Every write the sandbox applied (idempotent replays and refusals excluded), in order.
    var appliedWrites: [AppliedWrite] = []
    var faultRandom: SplitMix64
    var stats = SandboxStats()
    private let clock: @Sendable () -> Double

    /// - Parameter clock: Unix time in seconds; injectable so rate-limit logic can be tested.
    init(configuration: SandboxConfiguration, demoKey: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.configuration = configuration
        self.keyPolicy = APIKeyPolicy(configuredKeys: Set(configuration.apiKeys), demoKey: demoKey)
        self.ledger = RateLimitLedger(rule: configuration.rateLimit)
        let seed = SeedData(contactCount: configuration.contactCount, seed: configuration.randomSeed)
        self.contacts = seed.contacts
        for (index, contact) in seed.contacts.enumerated() { emailIndex[contact.email.lowercased(), default: []].append(index) }
        self.definitions = seed.definitions
        self.faults = configuration.faults
        self.faultRandom = SplitMix64(seed: configuration.randomSeed ^ 0xFA01_7FA0_17FA_017F)
        self.clock = clock
    }

    /// Handles one API request: authentication, rate limit, faults, idempotency, then the route.
    /// Every answer carries the three rate-limit headers.
    func handle(_ request: APIRequest) -> Outcome {
        let (route, routeName) = SandboxRoute.resolve(method: request.method, path: request.path)
        let now = clock()
        var delay = 0
        var answer: SandboxAnswer
        let rateHeaders: [(name: String, value: String)]
        if let key = keyPolicy.acceptedKey(authorization: request.authorization) {
            let decision = ledger.consume(key: key, now: now)
            rateHeaders = decision.headers
            if !decision.allowed {
                stats.receivedWhileExhausted += 1
                answer = Self.rateLimited(retryAfter: decision.retryAfter)
            } else if let fault = nextFault(key: key, now: now) {
                stats.faultsInjected += 1
                answer = fault
            } else {
                answer = respond(route: route, request: request, key: key)
            }
            if faults.slowRate > 0, faultRandom.chance(faults.slowRate) {
                delay = max(0, faults.slowMilliseconds)
                stats.slowAnswers += 1
            }
        } else {
            rateHeaders = ledger.anonymous(now: now).headers
            answer = APIError(status: 401, code: "unauthorized", message: "Invalid or missing API key").answer
        }
        answer.headers = rateHeaders + answer.headers
        stats.record(route: routeName, status: answer.status)
        return Outcome(answer: answer, delayMilliseconds: delay)
    }

    /// The 429 of the conventions page, with `retry_after` and `Retry-After`.
    static func rateLimited(retryAfter: Int) -> SandboxAnswer {
        var answer = SandboxAnswer.json(429, .object([
            "error": .object([
                "code": "rate_limit_exceeded",
                "message": .string("Rate limit exceeded. Please retry after \(retryAfter) seconds."),
                "retry_after": .int(retryAfter),
            ])
        ]))
        answer.headers.append(("Retry-After", String(retryAfter)))
        return answer
    }

    private func respond(route: SandboxRoute, request: APIRequest, key: String) -> SandboxAnswer {
        if request.bodyTooLarge { return SandboxRequestHandler.bodyTooLargeAnswer }
        switch route {
        case .unknown:
            return APIError.notFound("No route for \(request.method) \(request.path)").answer
        case .methodNotAllowed(let allowed):
            var answer = SandboxAnswer.error(405, code: "method_not_allowed", message: "Method \(request.method) not allowed here")
            answer.headers.append(("Allow", allowed.joined(separator: ", ")))
            return answer
        default:
            break
        }
        if request.isWrite, keyPolicy.isReadOnly(key) {
            return SandboxAnswer.error(403, code: "forbidden", message: "This API key is read-only and cannot change data")
        }
        guard request.isWrite, let idempotencyKey = request.idempotencyKey, !idempotencyKey.isEmpty else {
            return executeLogged(route: route, request: request)
        }
        let recordKey = key + "\n" + idempotencyKey
        if let record = idempotencyRecords[recordKey] {
            guard record.method == request.method, record.path == request.path, record.body == request.body else {
                return SandboxAnswer.error(
                    422, code: "idempotency_key_reused",
                    message: "This Idempotency-Key was already used with a different request",
                    details: .object(["field": "Idempotency-Key", "value": .string(idempotencyKey)]))
            }
            stats.idempotentReplays += 1
            var replay = record.answer
            replay.headers.append(("Idempotent-Replayed", "true"))
            return replay
        }
        let answer = executeLogged(route: route, request: request)
        idempotencyRecords[recordKey] = IdempotencyRecord(method: request.method, path: request.path, body: request.body, answer: answer)
        return answer
    }

    /// `execute`, with an applied write (a 2xx answer to a write) added to `appliedWrites`.
    private func executeLogged(route: SandboxRoute, request: APIRequest) -> SandboxAnswer {
        let answer = execute(route: route, request: request)
        if request.isWrite, (200..<300).contains(answer.status) {
            appliedWrites.append(AppliedWrite(
                method: request.method, path: request.path, idempotencyKey: request.idempotencyKey, status: answer.status,
                body: request.body))
        }
        return answer
    }

    private func execute(route: SandboxRoute, request: APIRequest) -> SandboxAnswer {
        do throws(APIError) {
            switch route {
            case .contactByEmail(let email): return try contactByEmail(email)
            case .listContacts: return try listContacts(query: request.query)
            case .upsertContact: return try upsertContact(body: request.body)
            case .updateContact(let id): return try updateContact(id: id, body: request.body)
            case .deleteContact(let id): return try deleteContact(id: id)
            case .listCustomFields: return try listCustomFields(query: request.query)
            case .createCustomField: return try createCustomField(body: request.body)
            case .unknown, .methodNotAllowed: return APIError.notFound("Not found").answer
            }
        } catch {
            return error.answer
        }
    }

    // MARK: Control endpoints

    var statsJSON: JSONValue { stats.json }

    func resetStats() {
        stats = SandboxStats()
    }

    /// Queues the entries of `{"next":[...]}`; answers how many are now pending.
    func queueFaults(body: [UInt8]) throws(APIError) -> Int {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badRequest("Malformed JSON body: \(error.message)")
        }
        guard case .array(let entries)? = json["next"] else {
            throw .badRequest("Expected {\"next\": [503, 500, \"html\", \"malformed\", ...]}", field: "next", value: json["next"])
        }
        var faults: [ScriptedFault] = []
        for entry in entries {
            guard let fault = ScriptedFault(json: entry) else {
                throw .badRequest("Unknown fault; use a status number, \"html\", \"html503\" or \"malformed\"", field: "next", value: entry)
            }
            faults.append(fault)
        }
        scriptedFaults.append(contentsOf: faults)
        return scriptedFaults.count
    }

    func clearFaults() {
        scriptedFaults.removeAll()
    }

    /// Changes the random fault rates (`PUT /__sandbox/fault-rates`); answers the rates now in force.
    func updateFaultRates(body: [UInt8]) throws(APIError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badRequest("Malformed JSON body: \(error.message)")
        }
        faults = try faults.updated(with: json)
        return faults.json
    }

    /// `GET /__sandbox/applied?after=N`: the applied writes after the first N, in order.
    func appliedWritesJSON(after: Int) -> JSONValue {
        let start = min(max(0, after), appliedWrites.count)
        return .object([
            "total": .int(appliedWrites.count),
            "writes": .array(appliedWrites[start...].enumerated().map { $0.element.json(seq: start + $0.offset + 1) }),
        ])
    }

    var pendingFaults: Int { scriptedFaults.count }
}
